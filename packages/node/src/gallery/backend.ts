import {
  type Embedding,
  FaceKitError,
  type GalleryOptions,
  type IdentifyOptions,
  type IdentifyResult,
  type MetricName,
  models,
} from '@facekit/core';
import type { IngestStore } from './ingest.js';

/**
 * One face to enrol, with where it came from (a file path) for the record.
 *
 * @example
 * await gallery.enrollMany([{ label: 'ada', embedding, source: 'ada-1.jpg' } satisfies EnrollItem]);
 */
export interface EnrollItem {
  label: string;
  embedding: Embedding;
  source?: string;
}

/**
 * What a persistent gallery knows about itself.
 *
 * @example
 * const { backend, embedder, faces }: GalleryInfo = await gallery.info();
 */
export interface GalleryInfo {
  /** 'sqlite' or 'postgres'. */
  backend: string;
  embedder?: string;
  dim?: number;
  /** Fingerprint of the weights that made the enrolled embeddings (Embedding.weights), once known. */
  weights?: string;
  metric: MetricName;
  size: number;
  /** The index identify() runs on ('exact', 'usearch-hnsw', 'pgvector-hnsw', 'pgvector-scan', …). */
  index: string;
}

/**
 * The API shared by every persistent gallery (SQLite, PostgreSQL + pgvector). Writes are committed before the
 * promise resolves; an embedding of another embedder or dimension is refused with E_EMBEDDING_MISMATCH.
 *
 * @example
 * const g = await openGallery('faces.db');
 * await g.enroll('ada', embedding, { source: 'ada.jpg' });
 * const { label, known, distance } = await g.identify(query, { k: 3 });
 * await g.close();
 */
export interface PersistentGallery extends IngestStore {
  info(): Promise<GalleryInfo>;
  enroll(label: string, embedding: Embedding, options?: { source?: string }): Promise<number>;
  /** Enrols all items in one transaction: all are stored or none. */
  enrollMany(items: readonly EnrollItem[]): Promise<number[]>;
  /** Removes every face of a label; resolves to how many were removed. */
  remove(label: string): Promise<number>;
  removeId(id: number): Promise<boolean>;
  identify(query: Embedding, options?: IdentifyOptions): Promise<IdentifyResult>;
  /** Labels with their number of faces. */
  labels(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/**
 * Options shared by the persistent galleries.
 *
 * @example
 * const g = await openGallery('faces.db', { embedder: 'dlib-resnet34', dim: 128, metric: 'euclidean' } satisfies PersistentGalleryOptions);
 */
export interface PersistentGalleryOptions extends Pick<GalleryOptions, 'threshold' | 'thresholds'> {
  /** Embedder of the gallery; checked against a stored one, fixed by the first enrolment otherwise. */
  embedder?: string;
  dim?: number;
  /** Default metric of identify for a new gallery (default 'cosine'); a stored one wins. */
  metric?: MetricName;
}

/**
 * The default threshold: explicit option, then `thresholds[metric]`, then the registered embedder's default,
 * else Infinity (never unknown).
 *
 * @example
 * resolveThreshold({}, 'dlib-resnet34', 'euclidean'); // the embedder's default euclidean threshold
 */
export function resolveThreshold(
  options: Pick<PersistentGalleryOptions, 'threshold' | 'thresholds'>,
  embedder: string | undefined,
  metric: MetricName,
  defaultMetric: MetricName,
): number {
  if (options.threshold !== undefined && metric === defaultMetric) return options.threshold;
  const t = options.thresholds?.[metric];
  if (t !== undefined) return t;
  if (embedder !== undefined && models.embedders.has(embedder)) {
    return models.embedders.get(embedder).thresholds[metric] ?? Infinity;
  }
  return Infinity;
}

/**
 * Refuses a stored gallery whose embedder or dimension differs from the one asked for.
 *
 * @example
 * assertSameEmbedder({ embedder: 'dlib-resnet34', dim: 128 }, { embedder: 'facenet', dim: 128 }, 'faces.db'); // throws
 */
export function assertSameEmbedder(
  stored: { embedder?: string; dim?: number },
  wanted: { embedder?: string; dim?: number },
  where: string,
): void {
  if (stored.embedder !== undefined && wanted.embedder !== undefined && stored.embedder !== wanted.embedder) {
    throw new FaceKitError(
      'E_EMBEDDING_MISMATCH',
      `${where} holds embeddings of '${stored.embedder}', not '${wanted.embedder}'`,
    );
  }
  if (stored.dim !== undefined && wanted.dim !== undefined && stored.dim !== wanted.dim) {
    throw new FaceKitError('E_EMBEDDING_MISMATCH', `${where} holds ${stored.dim}-D embeddings, not ${wanted.dim}-D`);
  }
}
