import '../register-models.js';
import {
  agglomerative,
  clusterOnKnnGraph,
  defaultClusterThreshold,
  EXACT_KNN_MAX_ITEMS,
  FULL_MATRIX_MAX_ITEMS,
  FaceKitError,
  GRAPH_K,
  models,
  packVectors,
  pairwiseDistances,
} from '@facekit/core';
import { bcubed } from '@facekit/core/eval';
import { ivfKnnParallel } from '../pool/knn-pool.js';
import { peakRssMiB, processCpuSeconds } from './process-usage.js';
import { LFW_DLIB_FIT, syntheticFaces } from './synthetic-faces.js';

/**
 * The ways `benchClusterSynthetic` clusters: Chinese whispers + average-linkage merging on an approximate (IVF) or
 * exact kNN graph (`clusterOnKnnGraph`), and
 * average-linkage agglomerative on the full matrix (the small-n default).
 *
 * @example
 * const method: SyntheticClusterMethod = 'ivf-knn';
 */
export type SyntheticClusterMethod = 'ivf-knn' | 'exact-knn' | 'full-agglomerative';

/**
 * Options of `benchClusterSynthetic`.
 *
 * @example
 * const r = await benchClusterSynthetic({ size: 10_000 } satisfies SyntheticBenchOptions);
 */
export interface SyntheticBenchOptions {
  /** Faces to generate and cluster. */
  size: number;
  /** Methods to run (default: every one the size allows: the kNN graph always, exact ≤ 30,000, full ≤ 5,000). */
  methods?: SyntheticClusterMethod[];
  seed?: number;
  /** Worker threads that build the IVF graph (default: one per core; see `ivfKnnParallel`). */
  workers?: number;
  /** The kNN worker entry (tests pass the built file; see `ParallelKnnOptions.worker`). */
  worker?: string | URL;
  signal?: AbortSignal;
  onProgress?: (method: SyntheticClusterMethod, done: number, total: number) => void;
}

/**
 * One method's measurement: wall and CPU seconds, the process's peak RSS so far, and BCubed scores.
 *
 * @example
 * const m: SyntheticMethodResult = r.methods['ivf-knn']!;
 */
export interface SyntheticMethodResult {
  seconds: number;
  /** CPU seconds of this process (user + system): the cost when the machine is shared. */
  cpuSeconds: number;
  /** Peak resident set of the process up to the end of this method (methods run in order, the kNN graph first). */
  peakRssMiB: number;
  clusters: number;
  precision: number;
  recall: number;
  f1: number;
}

/**
 * What `facekit bench cluster --synthetic N` prints.
 *
 * @example
 * const { size, methods } = await benchClusterSynthetic({ size: 100_000 });
 */
export interface SyntheticBenchResult {
  size: number;
  people: number;
  dim: number;
  threshold: number;
  /** Seconds to generate the faces (not part of any method). */
  generateSeconds: number;
  methods: Partial<Record<SyntheticClusterMethod, SyntheticMethodResult>>;
}

/**
 * `facekit bench cluster --synthetic N`: planted identities from the generator fitted to dlib-resnet34 on LFW
 * (`LFW_DLIB_FIT`), clustered at dlib-resnet34's default link threshold for that many faces (cosine), scored by BCubed.
 *
 * @example
 * const r = await benchClusterSynthetic({ size: 10_000 }); // r.methods['ivf-knn'].f1
 */
export async function benchClusterSynthetic(options: SyntheticBenchOptions): Promise<SyntheticBenchResult> {
  const { size, seed = 1 } = options;
  if (!(Number.isInteger(size) && size >= 2)) {
    throw new FaceKitError('E_CONFIG', `--synthetic needs an integer ≥ 2, got ${size}`);
  }
  const methods =
    options.methods ??
    ([
      'ivf-knn',
      ...(size <= EXACT_KNN_MAX_ITEMS ? ['exact-knn'] : []),
      ...(size <= FULL_MATRIX_MAX_ITEMS ? ['full-agglomerative'] : []),
    ] as SyntheticClusterMethod[]);
  const spec = models.embedders.get('dlib-resnet34');
  const threshold = defaultClusterThreshold(spec, 'chinese-whispers', 'cosine', size)!;
  const agglomerativeThreshold = defaultClusterThreshold(spec, 'agglomerative', 'cosine')!;
  const g0 = performance.now();
  const faces = syntheticFaces(size, LFW_DLIB_FIT, seed);
  const generateSeconds = (performance.now() - g0) / 1000;
  const truth = Array.from(faces.person);
  const rows = Array.from({ length: size }, (_, i) => faces.vectors.subarray(i * faces.dim, (i + 1) * faces.dim));
  const out: SyntheticBenchResult['methods'] = {};
  for (const method of methods) {
    // Yield so that a caller's abort or progress rendering gets a turn between methods.
    await new Promise((r) => setImmediate(r));
    const t0 = performance.now();
    const c0 = processCpuSeconds();
    const onProgress = (d: number, t: number) => options.onProgress?.(method, d, t);
    let labels: Int32Array;
    if (method === 'full-agglomerative') {
      labels = agglomerative(pairwiseDistances(rows, 'cosine'), { threshold: agglomerativeThreshold });
    } else if (method === 'exact-knn' || method === 'ivf-knn') {
      // The product's own kNN-graph path (clusterEmbeddings above FULL_MATRIX_MAX_ITEMS), merge included.
      // The IVF graph on worker threads (every core), as `facekit cluster` builds it.
      const points = packVectors(rows, 'cosine');
      labels = clusterOnKnnGraph(points, {
        graph:
          method === 'ivf-knn'
            ? await ivfKnnParallel(points, {
                k: GRAPH_K,
                seed,
                signal: options.signal,
                onProgress,
                workers: options.workers,
                worker: options.worker,
              })
            : method,
        threshold,
        seed,
        signal: options.signal,
        onProgress,
      });
    } else {
      throw new FaceKitError('E_CONFIG', `unknown synthetic clustering method '${method}'`);
    }
    const scores = bcubed(labels, truth);
    let clusters = 0;
    for (const l of labels) clusters = Math.max(clusters, l + 1);
    out[method] = {
      seconds: (performance.now() - t0) / 1000,
      cpuSeconds: processCpuSeconds() - c0,
      peakRssMiB: Math.round(peakRssMiB()),
      clusters,
      ...scores,
    };
  }
  return { size, people: faces.people, dim: faces.dim, threshold, generateSeconds, methods: out };
}
