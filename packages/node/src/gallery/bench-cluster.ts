import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ClusterMethod,
  clusterEmbeddings,
  defaultClusterThreshold,
  type Embedding,
  FaceKitError,
} from '@facekit/core';
import { bcubed } from '@facekit/core/eval';
import type { ImageEmbedder, ImageFailure } from './images.js';
import { embedEach, listImages } from './images.js';
import { lfwImagesDir } from '../bench/lfw-layout.js';
import { peakRssMiB, processCpuSeconds } from './process-usage.js';

/**
 * Options of `benchCluster`.
 *
 * @example
 * const r = await benchCluster(pipeline, { data: '../shared/data/lfw', minImages: 20 } satisfies BenchClusterOptions);
 */
export interface BenchClusterOptions {
  /** The LFW folder (with images/<person>/*.jpg). */
  data: string;
  /** People with at least this many images (default 20: the usual LFW clustering protocol, 62 people). */
  minImages?: number;
  /** Methods to score (default all three; k-means gets the true number of people as k). */
  methods?: ClusterMethod[];
  signal?: AbortSignal;
  /** Images embedded so far. */
  onProgress?: (done: number, total: number) => void;
  /** Progress of each method's clustering (the kNN graph's blocks, k-means' iterations). */
  onClusterProgress?: (method: ClusterMethod, done: number, total: number) => void;
}

/**
 * One clustering method's result in `benchCluster`: its threshold, cluster count and BCubed scores.
 *
 * @example
 * for (const m of r.methods as BenchClusterMethodResult[]) console.log(m.method, m.clusters);
 */
export interface BenchClusterMethodResult {
  method: ClusterMethod;
  threshold?: number;
  /** Where the links came from (`ClusterResult.graph`): above `FULL_MATRIX_MAX_ITEMS` faces a kNN graph. */
  graph?: string;
  clusters: number;
  /** Wall seconds of the clustering alone (the embedding is shared by all methods). */
  seconds: number;
  cpuSeconds: number;
  /** The process's peak RSS when the method ended (a high-water mark over the whole run so far). */
  peakRssMiB: number;
  precision: number;
  recall: number;
  f1: number;
}

/**
 * What `benchCluster` reports for LFW people with many images.
 *
 * @example
 * const r: BenchClusterResult = await benchCluster(pipeline, { data: lfwDir });
 */
export interface BenchClusterResult {
  people: number;
  images: number;
  /** Faces clustered: the images that were embedded. */
  size: number;
  /** Images that could not be embedded at all (undecodable); images without a detected face use the whole image. */
  failed: ImageFailure[];
  embedder: string;
  metric: string;
  results: BenchClusterMethodResult[];
  seconds: number;
}

/**
 * `facekit bench cluster`: clusters every image of the LFW people with ≥ `minImages` images and scores each method
 * with BCubed precision / recall / F1 against the true identities.
 *
 * @example
 * const r = await benchCluster(pipeline, { data: '../shared/data/lfw' }); // r.results[0].f1
 */
export async function benchCluster(pipeline: ImageEmbedder, options: BenchClusterOptions): Promise<BenchClusterResult> {
  const t0 = performance.now();
  const minImages = options.minImages ?? 20;
  const root = lfwImagesDir(options.data);
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (cause) {
    throw new FaceKitError('E_IO', `no LFW images folder at ${root}`, { cause });
  }
  const items: Array<{ person: string; path: string }> = [];
  for (const person of names.sort()) {
    const paths = await listImages(join(root, person));
    if (paths.length >= minImages) items.push(...paths.map((path) => ({ person, path })));
  }
  if (items.length === 0) throw new FaceKitError('E_INPUT', `no person in ${root} has ${minImages} images`);
  const embedded: Array<{ person: string; embedding: Embedding }> = [];
  const failed: ImageFailure[] = [];
  // Through the embedder's pool when it has one (the CLI's: every core), in input order.
  const personOf = new Map(items.map((it) => [it.path, it.person]));
  let done = 0;
  for await (const r of embedEach(
    pipeline,
    items.map((it) => it.path),
    { enforceDetection: false, signal: options.signal },
  )) {
    if (r.error) failed.push(r.error);
    else if (r.reps?.[0]) embedded.push({ person: personOf.get(r.path) as string, embedding: r.reps[0].embedding });
    options.onProgress?.(++done, items.length);
  }
  const spec = pipeline.embedder;
  const metric = spec.defaultMetric;
  const truth = embedded.map((e) => e.person);
  const people = new Set(items.map((it) => it.person)).size;
  const results: BenchClusterMethodResult[] = [];
  for (const method of options.methods ?? ['agglomerative', 'chinese-whispers', 'kmeans']) {
    // Yield so that an abort or a progress bar gets a turn between methods.
    await new Promise((r) => setImmediate(r));
    const threshold = method === 'kmeans' ? undefined : defaultClusterThreshold(spec, method, metric, embedded.length);
    const t1 = performance.now();
    const c1 = processCpuSeconds();
    const r = clusterEmbeddings(
      embedded.map((e) => e.embedding),
      {
        method,
        metric,
        threshold,
        k: method === 'kmeans' ? people : undefined,
        seed: 1,
        signal: options.signal,
        onProgress: (d, t) => options.onClusterProgress?.(method, d, t),
      },
    );
    results.push({
      method,
      threshold,
      graph: r.graph,
      clusters: r.clusters.length,
      seconds: (performance.now() - t1) / 1000,
      cpuSeconds: processCpuSeconds() - c1,
      peakRssMiB: Math.round(peakRssMiB()),
      ...bcubed(r.labels, truth),
    });
  }
  return {
    people,
    images: items.length,
    size: embedded.length,
    failed,
    embedder: spec.name,
    metric,
    results,
    seconds: (performance.now() - t0) / 1000,
  };
}
