import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import {
  type Box,
  type ClusterMethod,
  type ClusterOptions,
  clusterEmbeddings,
  defaultClusterThreshold,
  type Embedding,
  type EmbedderSpec,
  FaceKitError,
  type IdentifyOptions,
  type IdentifyResult,
  type Representation,
  throwIfAborted,
} from '@facekit/core';
import type { PersistentGallery } from './backend.js';

/**
 * What the image commands need from a pipeline; `NodePipeline` (createPipeline) fits.
 *
 * @example
 * const pipeline: ImageEmbedder = await createPipeline();
 */
export interface ImageEmbedder {
  readonly embedder: EmbedderSpec;
  represent(
    image: string,
    options?: { enforceDetection?: boolean; signal?: AbortSignal; all?: boolean },
  ): Promise<Representation[]>;
}

/**
 * Progress of a long command: items done of total, and the item just finished.
 *
 * @example
 * const onProgress: ProgressFn = (done, total, item) => console.error(`${done}/${total} ${item}`);
 */
export type ProgressFn = (done: number, total: number, item: string) => void;

/**
 * A file that could not be used, with the error code (E_NO_FACE, E_DECODE, …) and message.
 *
 * @example
 * for (const f of r.failed as ImageFailure[]) console.error(f.path, f.code, f.message);
 */
export interface ImageFailure {
  path: string;
  code: string;
  message: string;
}

/**
 * The file extensions treated as images when a folder is enrolled, identified or clustered.
 *
 * @example
 * const isImage = IMAGE_EXTENSIONS.has(extname(file).toLowerCase());
 */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.bmp']);

function failure(path: string, e: unknown): ImageFailure {
  if (e instanceof FaceKitError) return { path, code: e.code, message: e.message };
  return { path, code: 'E_IO', message: String((e as Error)?.message ?? e) };
}

/**
 * Image files under a folder (recursively) or the given files, sorted.
 *
 * @example
 * await listImages('photos/') // ['photos/a.jpg', 'photos/trip/b.png']
 */
export async function listImages(paths: string | readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string, explicit: boolean): Promise<void> => {
    let s: Awaited<ReturnType<typeof stat>>;
    try {
      s = await stat(p);
    } catch (cause) {
      throw new FaceKitError('E_IO', `cannot read ${p}: no such file or folder`, { cause });
    }
    if (s.isDirectory()) {
      const entries = await readdir(p);
      for (const e of entries.sort()) if (!e.startsWith('.')) await walk(join(p, e), false);
    } else if (explicit || IMAGE_EXTENSIONS.has(extname(p).toLowerCase())) out.push(p);
  };
  for (const p of typeof paths === 'string' ? [paths] : paths) await walk(p, true);
  return out;
}

/**
 * Images labelled by their folder: `root/<label>/…/*.jpg` → { label, path }.
 *
 * @example
 * await labelledImages('people/') // [{ label: 'ada', path: 'people/ada/1.jpg' }, …]
 */
export async function labelledImages(root: string): Promise<Array<{ label: string; path: string }>> {
  return (await listImages(root))
    .map((path) => ({ label: relative(root, path).split(sep)[0], path }))
    .filter((x) => x.label !== basename(x.path));
}

/**
 * Options of `enrollImages`.
 *
 * @example
 * await enrollImages(gallery, pipeline, items, { enforceDetection: true } satisfies EnrollImagesOptions);
 */
export interface EnrollImagesOptions {
  /** Refuse images without a face (default true); with false the whole image is embedded. */
  enforceDetection?: boolean;
  /** Faces written per transaction (default 32). */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/**
 * What `enrollImages` did: the faces enrolled (with their ids) and the files that failed.
 *
 * @example
 * const { enrolled, failed }: EnrollImagesResult = await enrollImages(gallery, pipeline, items);
 */
export interface EnrollImagesResult {
  enrolled: Array<{ label: string; path: string; id: number }>;
  failed: ImageFailure[];
}

/**
 * `facekit enroll`: embeds the largest face of each image and enrols it under its label. Images that fail
 * (no face, undecodable) are reported, not fatal; embeddings are committed in batches.
 *
 * @example
 * const g = await openGallery('faces.db');
 * const r = await enrollImages(g, pipeline, await labelledImages('people/'), { onProgress });
 */
export async function enrollImages(
  gallery: PersistentGallery,
  pipeline: ImageEmbedder,
  items: ReadonlyArray<{ label: string; path: string }>,
  options: EnrollImagesOptions = {},
): Promise<EnrollImagesResult> {
  const result: EnrollImagesResult = { enrolled: [], failed: [] };
  const batch: Array<{ label: string; path: string; embedding: Embedding }> = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const ids = await gallery.enrollMany(
      batch.map((b) => ({ label: b.label, embedding: b.embedding, source: b.path })),
    );
    batch.forEach((b, i) => {
      result.enrolled.push({ label: b.label, path: b.path, id: ids[i] });
    });
    batch.length = 0;
  };
  let done = 0;
  for (const it of items) {
    throwIfAborted(options.signal);
    try {
      const [rep] = await pipeline.represent(it.path, {
        enforceDetection: options.enforceDetection,
        signal: options.signal,
      });
      batch.push({ ...it, embedding: rep.embedding });
    } catch (e) {
      if (e instanceof FaceKitError && e.code === 'E_ABORTED') throw e;
      result.failed.push(failure(it.path, e));
    }
    if (batch.length >= (options.batchSize ?? 32)) await flush();
    options.onProgress?.(++done, items.length, it.path);
  }
  await flush();
  return result;
}

/**
 * Options of `identifyImages`.
 *
 * @example
 * const results = await identifyImages(gallery, pipeline, paths, { k: 3, all: true } satisfies IdentifyImagesOptions);
 */
export interface IdentifyImagesOptions extends IdentifyOptions {
  /** Identify every face of each image instead of the largest. */
  all?: boolean;
  enforceDetection?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/**
 * One image's answer from `identifyImages`: its faces with their labels, or why it failed.
 *
 * @example
 * for (const r of (await identifyImages(gallery, pipeline, paths)) as IdentifiedImage[]) {
 *   if (r.faces) console.log(r.path, r.faces.map((f) => f.label));
 * }
 */
export type IdentifiedImage =
  | { path: string; faces: Array<IdentifyResult & { box: Box; score: number }> }
  | (ImageFailure & { faces?: undefined });

/**
 * `facekit identify`: who is in each image, from the gallery.
 *
 * @example
 * const [r] = await identifyImages(g, pipeline, ['who.jpg'], { k: 3 });
 * r.faces?.[0].label // 'ada' or 'unknown'
 */
export async function identifyImages(
  gallery: PersistentGallery,
  pipeline: ImageEmbedder,
  paths: readonly string[],
  options: IdentifyImagesOptions = {},
): Promise<IdentifiedImage[]> {
  const out: IdentifiedImage[] = [];
  let done = 0;
  for (const path of paths) {
    throwIfAborted(options.signal);
    try {
      const reps = await pipeline.represent(path, {
        enforceDetection: options.enforceDetection,
        signal: options.signal,
        all: options.all,
      });
      const faces = [];
      for (const r of reps) {
        faces.push({ ...(await gallery.identify(r.embedding, options)), box: r.face.box, score: r.face.score });
      }
      out.push({ path, faces });
    } catch (e) {
      if (e instanceof FaceKitError && (e.code === 'E_ABORTED' || e.code === 'E_EMBEDDING_MISMATCH')) throw e;
      out.push(failure(path, e));
    }
    options.onProgress?.(++done, paths.length, path);
  }
  return out;
}

/**
 * Options of `clusterImages`.
 *
 * @example
 * const r = await clusterImages(pipeline, paths, { method: 'chinese-whispers' } satisfies ClusterImagesOptions);
 */
export interface ClusterImagesOptions extends Omit<ClusterOptions, 'onProgress'> {
  enforceDetection?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/**
 * What `clusterImages` found: groups of file paths, one person each, and the files that could not be used.
 *
 * @example
 * const { clusters }: ClusterImagesResult = await clusterImages(pipeline, paths);
 */
export interface ClusterImagesResult {
  /** Groups of file paths (one person each), largest first. */
  clusters: string[][];
  /** Images that could not be embedded (no face, undecodable). */
  failed: ImageFailure[];
  method: ClusterMethod;
  /** The linking threshold used (pairwise methods). */
  threshold?: number;
  /** k-means: the silhouette of the chosen k. */
  silhouette?: number;
}

/**
 * `facekit cluster DIR`: embeds the largest face of every image and groups the images by person. The default
 * method is threshold agglomerative clustering (average linkage) linking at 0.95 × the embedder's verification
 * distance (`defaultClusterThreshold`: 0.95 × the threshold, 0.95² × for the squared metrics cosine and squared-l2).
 * More than 5,000 images cluster by Chinese whispers on a kNN graph at √0.55 × (0.55 × for cosine) the threshold.
 *
 * @example
 * const { clusters } = await clusterImages(pipeline, await listImages('photos/'), { onProgress });
 */
export async function clusterImages(
  pipeline: ImageEmbedder,
  paths: readonly string[],
  options: ClusterImagesOptions = {},
): Promise<ClusterImagesResult> {
  const method = options.method ?? 'agglomerative';
  const metric = options.metric ?? pipeline.embedder.defaultMetric;
  const threshold =
    method === 'kmeans'
      ? undefined
      : (options.threshold ?? defaultClusterThreshold(pipeline.embedder, method, metric, paths.length));
  if (method !== 'kmeans' && threshold === undefined) {
    throw new FaceKitError(
      'E_CONFIG',
      `embedder '${pipeline.embedder.name}' has no threshold for '${metric}'; pass one`,
    );
  }
  const embedded: Array<{ path: string; embedding: Embedding }> = [];
  const failed: ImageFailure[] = [];
  let done = 0;
  for (const path of paths) {
    throwIfAborted(options.signal);
    try {
      const [rep] = await pipeline.represent(path, {
        enforceDetection: options.enforceDetection,
        signal: options.signal,
      });
      embedded.push({ path, embedding: rep.embedding });
    } catch (e) {
      if (e instanceof FaceKitError && e.code === 'E_ABORTED') throw e;
      failed.push(failure(path, e));
    }
    options.onProgress?.(++done, paths.length, path);
  }
  const r = clusterEmbeddings(
    embedded.map((e) => e.embedding),
    { ...options, onProgress: undefined, method, metric, threshold },
  );
  return {
    clusters: r.clusters.map((c) => c.map((i) => embedded[i].path)),
    failed,
    method,
    threshold,
    silhouette: r.silhouette,
  };
}
