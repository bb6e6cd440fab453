import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import {
  type Box,
  type ClusterMethod,
  type ClusterOptions,
  defaultClusterThreshold,
  type Embedding,
  type EmbedderSpec,
  FaceKitError,
  type IdentifyOptions,
  type IdentifyResult,
  type Representation,
  throwIfAborted,
} from '@facekit/core';
import { clusterEmbeddingsOnCores } from './cluster-on-cores.js';
import type { PoolInput, RepresentManyResult } from '../pool/embed-pool.js';
import type { EnrollItem, PersistentGallery } from './backend.js';
import { embedderIdentity, type FileFingerprint, fingerprintFile, type IngestEntry, ingestAction } from './ingest.js';

/**
 * What the image commands need from a pipeline; `NodePipeline` (createPipeline) fits, and so does an embedding
 * pool's `EmbedPool.embedderFor(options)`, whose `representMany` runs the images on every core.
 *
 * @example
 * const pipeline: ImageEmbedder = await createPipeline();
 * const pooled: ImageEmbedder = pool.embedderFor({ embedder: 'dlib-resnet34' });
 */
export interface ImageEmbedder {
  readonly embedder: EmbedderSpec;
  /** An explicit weights file, part of the embedder identity of ingest records. */
  readonly weightsPath?: string;
  represent(
    image: string,
    options?: { enforceDetection?: boolean; signal?: AbortSignal; all?: boolean },
  ): Promise<Representation[]>;
  /** Many images in input order, errors per image; without it the images go through `represent` one by one. */
  representMany?(
    inputs: readonly PoolInput[] | AsyncIterable<PoolInput>,
    options?: { enforceDetection?: boolean; signal?: AbortSignal; all?: boolean },
  ): AsyncIterable<RepresentManyResult>;
}

/**
 * Each path's representations or error, in order: through the embedder's pool when it has one.
 *
 * @example
 * for await (const r of embedEach(pipeline, paths, { enforceDetection: false })) if (r.error) console.error(r.error);
 */
export async function* embedEach(
  pipeline: ImageEmbedder,
  paths: readonly string[] | AsyncIterable<string>,
  options: { enforceDetection?: boolean; signal?: AbortSignal; all?: boolean },
): AsyncGenerator<{ path: string; reps?: Representation[]; error?: ImageFailure }> {
  if (pipeline.representMany) {
    for await (const r of pipeline.representMany(paths, options)) {
      const path = r.input as string;
      yield r.error ? { path, error: failure(path, r.error) } : { path, reps: r.representations };
    }
    return;
  }
  for await (const path of paths) {
    throwIfAborted(options.signal);
    try {
      yield { path, reps: await pipeline.represent(path, options) };
    } catch (e) {
      if (e instanceof FaceKitError && e.code === 'E_ABORTED') throw e;
      yield { path, error: failure(path, e) };
    }
  }
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
  /** Files written per transaction (default 32): each file's faces and its ingest record commit together. */
  batchSize?: number;
  /** Embed and replace every file, also those enrolled before from the same bytes (default false). */
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/**
 * What `enrollImages` did: the faces enrolled (with their ids), the files skipped because the gallery already holds
 * them from the same bytes and embedder, and the files that failed.
 *
 * @example
 * const { enrolled, skipped, failed }: EnrollImagesResult = await enrollImages(gallery, pipeline, items);
 */
export interface EnrollImagesResult {
  enrolled: Array<{ label: string; path: string; id: number }>;
  /** Files already enrolled (same size, time and SHA-256, same embedder identity and label): not embedded again. */
  skipped: Array<{ label: string; path: string }>;
  failed: ImageFailure[];
}

/**
 * `facekit enroll`: embeds the largest face of each image and enrols it under its label; resumable and crash-safe.
 * Every file is fingerprinted (size, mtime, SHA-256) and its faces are committed in one transaction with a record
 * of the fingerprint and the embedder identity (`facekit_ingest`), so a re-run skips what is done, a changed file
 * is embedded again and its old faces replaced, and a run killed at any point and run again enrols every face
 * exactly once. Images that fail (no face, undecodable) are reported, not fatal, and tried again on the next run.
 *
 * Time is the embedding of the new files (divided over the workers of a pooled embedder) plus reading and hashing
 * every file; memory is one batch of embeddings.
 *
 * @example
 * const g = await openGallery('faces.db');
 * const r = await enrollImages(g, pipeline, await labelledImages('people/'), { onProgress });
 * r.skipped.length; // on a re-run: every file enrolled before
 */
export async function enrollImages(
  gallery: PersistentGallery,
  pipeline: ImageEmbedder,
  items: ReadonlyArray<{ label: string; path: string }>,
  options: EnrollImagesOptions = {},
): Promise<EnrollImagesResult> {
  // A file named twice is one file: enrolled once (its record is keyed by the absolute path).
  const seen = new Set<string>();
  items = items.filter((it) => !seen.has(resolve(it.path)) && seen.add(resolve(it.path)));
  const result: EnrollImagesResult = { enrolled: [], skipped: [], failed: [] };
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new FaceKitError('E_CONFIG', `batchSize must be a positive integer, got ${batchSize}`);
  }
  const identity = await embedderIdentity(pipeline);
  let done = 0;
  const progress = (path: string) => options.onProgress?.(++done, items.length, path);
  // Files to embed, in the order the planner handed them to the embedder (results come back in that order).
  const planned: Array<{ label: string; path: string; print: FileFingerprint }> = [];
  let entries: IngestEntry[] = [];
  let owners: Array<{ label: string; path: string } | undefined> = [];
  const commit = async () => {
    const [batch, whose] = [entries, owners];
    [entries, owners] = [[], []];
    if (batch.length === 0) return;
    const ids = await gallery.commitIngest(batch);
    whose.forEach((t, j) => {
      if (t) for (const id of ids[j]) result.enrolled.push({ label: t.label, path: t.path, id });
    });
  };
  // Fingerprints and decides a batch of files at a time, handing the files to embed to the embedder lazily, so
  // that the workers never wait for a batch boundary.
  async function* plan(): AsyncGenerator<string> {
    for (let start = 0; start < items.length; start += batchSize) {
      throwIfAborted(options.signal);
      const batch = items.slice(start, start + batchSize);
      const prints = new Map<string, FileFingerprint>();
      for (const it of batch) {
        try {
          prints.set(it.path, await fingerprintFile(it.path));
        } catch (e) {
          result.failed.push(failure(it.path, e));
          progress(it.path);
        }
      }
      const stored = await gallery.ingestRecords([...prints.values()].map((p) => p.path));
      for (const it of batch) {
        const print = prints.get(it.path);
        if (!print) continue;
        const action = options.force ? 'embed' : ingestAction(stored.get(print.path), print, identity, it.label);
        if (action === 'embed') {
          planned.push({ ...it, print });
          yield it.path;
          continue;
        }
        if (action === 'touch') {
          entries.push({ record: { ...print, identity, label: it.label } });
          owners.push(undefined);
        }
        result.skipped.push(it);
        progress(it.path);
      }
    }
  }
  for await (const r of embedEach(pipeline, plan(), {
    enforceDetection: options.enforceDetection,
    signal: options.signal,
  })) {
    const t = planned.shift() as (typeof planned)[number];
    if (r.error) result.failed.push(r.error);
    else {
      const face: EnrollItem = { label: t.label, embedding: (r.reps as Representation[])[0].embedding, source: t.path };
      entries.push({ record: { ...t.print, identity, label: t.label }, faces: [face] });
      owners.push(t);
    }
    progress(t.path);
    // Each file's faces commit with its record; the images already in flight keep the workers busy meanwhile.
    if (entries.length >= batchSize) await commit();
  }
  await commit();
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
  const { enforceDetection, signal, all } = options;
  for await (const r of embedEach(pipeline, paths, { enforceDetection, signal, all })) {
    if (r.error) out.push(r.error);
    else {
      const faces = [];
      for (const rep of r.reps!) {
        // A gallery of another embedder (E_EMBEDDING_MISMATCH) fails the command, not the image.
        faces.push({ ...(await gallery.identify(rep.embedding, options)), box: rep.face.box, score: rep.face.score });
      }
      out.push({ path: r.path, faces });
    }
    options.onProgress?.(++done, paths.length, r.path);
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
  const { enforceDetection, signal } = options;
  for await (const r of embedEach(pipeline, paths, { enforceDetection, signal })) {
    if (r.error) failed.push(r.error);
    else embedded.push({ path: r.path, embedding: r.reps![0].embedding });
    options.onProgress?.(++done, paths.length, r.path);
  }
  // Above EXACT_KNN_MAX_ITEMS faces the kNN graph is built on every core, as the embedding was.
  const r = await clusterEmbeddingsOnCores(
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
