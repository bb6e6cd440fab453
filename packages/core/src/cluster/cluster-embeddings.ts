import { FaceKitError } from '../errors.js';
import { assertMetric, cosineDistanceOf, l2Normalize, type MetricName } from '../metrics.js';
import type { EmbedderSpec } from '../registry.js';
import type { Embedding } from '../types.js';
import { agglomerative, type Linkage } from './agglomerative.js';
import { chineseWhispers } from './chinese-whispers.js';
import { pairwiseDistances } from './distance-matrix.js';
import { clusterKnnGraph, mergeByAverageLinkage } from './graph-cluster.js';
import { exactKnn, ivfKnn, type KnnGraph, type LongWorkOptions, type PackedVectors, packVectors } from './knn-graph.js';
import { kmeans } from './kmeans.js';
import { silhouette } from './silhouette.js';

/**
 * The clustering methods of `clusterEmbeddings`.
 *
 * @example
 * const method: ClusterMethod = 'chinese-whispers';
 */
export type ClusterMethod = 'agglomerative' | 'chinese-whispers' | 'kmeans';

/**
 * Linking threshold of the pairwise methods as a share of the embedder's verification threshold, in units of a
 * plain distance (euclidean, euclidean-l2). A pair threshold chains different people together in a cluster, so
 * clustering links a little tighter. Chosen on LFW people with 10–19 images (dlib-resnet34, Euclidean; best BCubed
 * F1), then checked on the disjoint people with ≥ 20 images (3,023 images): agglomerative F1 0.985, Chinese
 * whispers 0.979. `defaultClusterThreshold` squares the share for the squared metrics (cosine, squared-l2).
 *
 * @example
 * const linkAt = CLUSTER_THRESHOLD_SCALE.agglomerative * defaultThreshold(spec, 'euclidean');
 */
export const CLUSTER_THRESHOLD_SCALE: Readonly<Record<'agglomerative' | 'chinese-whispers', number>> = {
  agglomerative: 0.95,
  'chinese-whispers': 0.8,
};

/**
 * Linking share of the verification threshold for clustering on a kNN graph (more than `FULL_MATRIX_MAX_ITEMS`
 * faces), in units of a plain distance like `CLUSTER_THRESHOLD_SCALE`: √0.55, i.e. 0.55 × the cosine threshold.
 * Chosen on all images of half of the LFW people (hash of the name even: 6,749 images, 2,844 people, most with one
 * photo; best BCubed F1 of Chinese whispers on the exact kNN graph over shares 0.50–1.00 of the cosine threshold),
 * reported on the other half and on all (docs/guide/scaling.md). Many people need a tighter link than few: each
 * face has more strangers near it to chain through.
 *
 * @example
 * const linkAt = KNN_GRAPH_THRESHOLD_SCALE * defaultThreshold(spec, 'euclidean');
 */
export const KNN_GRAPH_THRESHOLD_SCALE = Math.sqrt(0.55);

/**
 * On a kNN graph, Chinese whispers is followed by average-linkage merging (`mergeByAverageLinkage`) of the clusters
 * an edge joins, up to this share of the verification threshold in plain-distance units: √0.65, i.e. 0.65 × the
 * cosine threshold (as an average cosine distance). Chosen together with `KNN_GRAPH_THRESHOLD_SCALE` on half A of
 * the LFW people (the same protocol: link shares 0.50 / 0.55 / 0.60 × merge shares 0.60 / 0.65 / 0.70 of the cosine
 * threshold, best BCubed F1 0.951 at 0.55 / 0.65, against 0.942 without the merge); half B and all of LFW in
 * docs/guide/scaling.md.
 *
 * @example
 * const mergeAt = KNN_GRAPH_MERGE_SCALE ** 2 * defaultThreshold(spec, 'cosine'); // an average cosine distance
 */
export const KNN_GRAPH_MERGE_SCALE = Math.sqrt(0.65);

/**
 * The default linking threshold for clustering an embedder's embeddings, or undefined when the embedder has no
 * verification threshold for the metric. The cosine distance is half the squared euclidean-l2 distance and
 * squared-l2 is its square, so for those two the share of `CLUSTER_THRESHOLD_SCALE` is squared: the same tightening
 * measured as a distance. Given the number of faces, more than `FULL_MATRIX_MAX_ITEMS` (clustered on a kNN graph
 * by Chinese whispers, whichever method) take `KNN_GRAPH_THRESHOLD_SCALE` instead.
 *
 * @example
 * clusterEmbeddings(es, { threshold: defaultClusterThreshold(spec, 'agglomerative', spec.defaultMetric, es.length) });
 */
export function defaultClusterThreshold(
  spec: Pick<EmbedderSpec, 'thresholds'>,
  method: 'agglomerative' | 'chinese-whispers',
  metric: MetricName,
  faces?: number,
): number | undefined {
  const t = spec.thresholds[metric];
  const share =
    faces !== undefined && faces > FULL_MATRIX_MAX_ITEMS ? KNN_GRAPH_THRESHOLD_SCALE : CLUSTER_THRESHOLD_SCALE[method];
  const squared = metric === 'cosine' || metric === 'squared-l2';
  return t === undefined ? undefined : t * (squared ? share * share : share);
}

/**
 * How the pairwise methods find the pairs to link: the full n × n matrix, an exact kNN graph, or an approximate
 * (IVF) kNN graph; 'auto' picks by size (`FULL_MATRIX_MAX_ITEMS`, `EXACT_KNN_MAX_ITEMS`).
 *
 * @example
 * clusterEmbeddings(es, { method: 'chinese-whispers', threshold: 0.07, graph: 'ivf-knn' });
 */
export type ClusterGraph = 'auto' | 'full' | 'exact-knn' | 'ivf-knn';

/**
 * Largest n clustered on the full distance matrix under `graph: 'auto'` (n² floats: 100 MB at 5,000); above it the
 * pairwise methods run Chinese whispers on a kNN graph, O(n · k) memory.
 *
 * @example
 * if (faces.length > FULL_MATRIX_MAX_ITEMS) console.log('clustered on a kNN graph');
 */
export const FULL_MATRIX_MAX_ITEMS = 5_000;

/**
 * Largest n for the exact kNN graph under `graph: 'auto'` (O(n² · dim) time: ≈ 60 CPU-s at 30,000 × 128-D); above
 * it the graph is approximate (`ivfKnn`, linear in n).
 *
 * @example
 * const approximate = faces.length > EXACT_KNN_MAX_ITEMS;
 */
export const EXACT_KNN_MAX_ITEMS = 30_000;

/**
 * Neighbours per face of the kNN graph (5 gave the same BCubed F1 as 30 on the synthetic set: 10 leaves room; on
 * LFW 20 gave the same F1 as 10).
 *
 * @example
 * const g = exactKnn(points, { k: GRAPH_K });
 */
export const GRAPH_K = 10;

/**
 * Options of `clusterEmbeddings`.
 *
 * @example
 * const r = clusterEmbeddings(embeddings, { method: 'agglomerative' } satisfies ClusterOptions);
 */
export interface ClusterOptions extends LongWorkOptions {
  /** 'agglomerative' (default) and 'chinese-whispers' find the number of clusters; 'kmeans' needs k or a k range. */
  method?: ClusterMethod;
  /** Distance for the pairwise methods and the silhouette (default 'cosine'). */
  metric?: MetricName;
  /** Linking distance of the pairwise methods (an embedder's verification threshold is a good start). */
  threshold?: number;
  /** Linkage of 'agglomerative' (default 'average'). */
  linkage?: Linkage;
  /** k of 'kmeans'; without it k is chosen by silhouette over `kRange`. */
  k?: number;
  /** Range [min, max] searched for k (default [2, min(20, n − 1)]). */
  kRange?: [number, number];
  seed?: number;
  /** k-means runs from different seeds, the lowest inertia kept (default 5). */
  restarts?: number;
  /**
   * Where the pairwise methods look for links (default 'auto': the full matrix up to `FULL_MATRIX_MAX_ITEMS`, then
   * an exact kNN graph up to `EXACT_KNN_MAX_ITEMS`, then an approximate one). On a kNN graph both pairwise methods
   * run Chinese whispers (agglomerative needs the matrix).
   */
  graph?: ClusterGraph;
  /**
   * A kNN graph already built over these embeddings' `packEmbeddings` points (e.g. on worker threads by
   * `ivfKnnParallel` in @facekit/node), used instead of building one where the pairwise methods run on a graph.
   */
  knnGraph?: KnnGraph;
  /**
   * On a kNN graph: clusters an edge joins are then merged while their average pairwise distance is ≤ this (same
   * units as `threshold`; average linkage over cosine distances, so cosine-family metrics only). Default:
   * `threshold` × the ratio of `KNN_GRAPH_MERGE_SCALE` to `KNN_GRAPH_THRESHOLD_SCALE` (as distances of the metric);
   * `false`: no merge, Chinese whispers alone.
   */
  mergeThreshold?: number | false;
}

/**
 * The result of `clusterEmbeddings`: each embedding's cluster and the clusters' members, largest first.
 *
 * @example
 * const { labels, clusters }: ClusterResult = clusterEmbeddings(embeddings);
 */
export interface ClusterResult {
  /** Cluster of each embedding: 0 is the largest cluster, then by size. */
  labels: Int32Array;
  /** Indices of the embeddings in each cluster, largest cluster first. */
  clusters: number[][];
  method: ClusterMethod;
  /** Mean silhouette of the result (only when k-means chose k by it). */
  silhouette?: number;
  /** Where the links came from: the full matrix or a kNN graph (absent for k-means with a given k). */
  graph?: Exclude<ClusterGraph, 'auto'>;
}

/** Relabels so that cluster 0 is the largest (ties: the one whose first item comes first). */
function bySize(labels: ArrayLike<number>): { labels: Int32Array; clusters: number[][] } {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const g = groups.get(labels[i]);
    if (g) g.push(i);
    else groups.set(labels[i], [i]);
  }
  const clusters = [...groups.values()].sort((a, b) => b.length - a.length || a[0] - b[0]);
  const out = new Int32Array(labels.length);
  clusters.forEach((c, ci) => {
    for (const i of c) out[i] = ci;
  });
  return { labels: out, clusters };
}

/** The vectors clustering compares: unit length for the cosine family (raw for 'euclidean'). */
function unitVectors(embeddings: readonly Embedding[], metric: MetricName): Float32Array[] {
  return embeddings.map((e) => (metric === 'euclidean' ? e.vector : l2Normalize(e.vector)));
}

/**
 * The points `clusterEmbeddings` builds its kNN graph on, for building that graph elsewhere (`knnGraph`): the same
 * vectors, packed the same way, so the graph is the one it would build itself.
 *
 * @example
 * const graph = ivfKnn(packEmbeddings(embeddings, 'cosine'), { k: GRAPH_K });
 * clusterEmbeddings(embeddings, { threshold: 0.05, graph: 'ivf-knn', knnGraph: graph });
 */
export function packEmbeddings(embeddings: readonly Embedding[], metric: MetricName): PackedVectors {
  assertMetric(metric);
  if (embeddings.length > 0) assertSameEmbedder(embeddings);
  return packVectors(unitVectors(embeddings, metric), metric);
}

function assertSameEmbedder(embeddings: readonly Embedding[]): void {
  const first = embeddings[0];
  for (const e of embeddings) {
    if (e.embedder !== first.embedder || e.vector.length !== first.vector.length) {
      throw new FaceKitError(
        'E_EMBEDDING_MISMATCH',
        `cannot cluster embeddings of '${first.embedder}' (${first.vector.length}-D) with '${e.embedder}' (${e.vector.length}-D)`,
      );
    }
  }
}

/**
 * Groups embeddings of one embedder into people. Cosine-family metrics cluster the unit vectors. The pairwise
 * methods run on the full distance matrix up to `FULL_MATRIX_MAX_ITEMS` faces and on a kNN graph above it (memory
 * O(n · k)): exact up to `EXACT_KNN_MAX_ITEMS`, approximate (IVF) beyond, so no size is refused; there Chinese
 * whispers is followed by an average-linkage merge (`clusterOnKnnGraph`). `onProgress` and `signal` are honoured
 * between blocks of the kNN graph and between Chinese-whispers passes.
 *
 * @example
 * const { clusters } = clusterEmbeddings(embeddings, { threshold: 0.45 }); // [[0, 4, 7], [1, 2], …]
 * const byK = clusterEmbeddings(embeddings, { method: 'kmeans', k: 5, seed: 1 });
 */
export function clusterEmbeddings(embeddings: readonly Embedding[], options: ClusterOptions = {}): ClusterResult {
  const method = options.method ?? 'agglomerative';
  const metric = options.metric ?? 'cosine';
  assertMetric(metric);
  if (embeddings.length === 0) return { labels: new Int32Array(0), clusters: [], method };
  assertSameEmbedder(embeddings);
  const vectors = unitVectors(embeddings, metric);
  const n = vectors.length;
  if (method === 'kmeans') {
    if (options.k !== undefined) {
      return {
        ...bySize(
          kmeans(vectors, {
            k: options.k,
            seed: options.seed,
            restarts: options.restarts ?? 5,
            onProgress: options.onProgress,
            signal: options.signal,
          }).assignments,
        ),
        method,
      };
    }
    const [lo, hi] = options.kRange ?? [2, Math.min(20, n - 1)];
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 2 && hi >= lo && hi < n)) {
      throw new FaceKitError('E_CONFIG', `kRange must be integers 2 ≤ min ≤ max < n (${n}), got [${lo}, ${hi}]`);
    }
    const D = pairwiseDistances(vectors, metric);
    let best: { labels: Int32Array; s: number } | undefined;
    for (let k = lo; k <= hi; k++) {
      const labels = kmeans(vectors, { k, seed: options.seed, restarts: options.restarts ?? 5 }).assignments;
      const s = silhouette(D, labels);
      if (!best || s > best.s) best = { labels, s };
    }
    return { ...bySize(best!.labels), method, silhouette: best!.s };
  }
  if (options.threshold === undefined) {
    throw new FaceKitError('E_CONFIG', `clustering with '${method}' needs a distance threshold`);
  }
  if (method !== 'agglomerative' && method !== 'chinese-whispers') {
    throw new FaceKitError('E_CONFIG', `unknown clustering method '${method}'`);
  }
  const graph = chooseGraph(options.graph ?? 'auto', n);
  if (graph !== 'full') {
    const labels = clusterOnKnnGraph(packVectors(vectors, metric), {
      ...options,
      graph: options.knnGraph ?? graph,
      threshold: options.threshold,
    });
    return { ...bySize(labels), method, graph };
  }
  const D = pairwiseDistances(vectors, metric);
  if (method === 'agglomerative') {
    return {
      ...bySize(agglomerative(D, { threshold: options.threshold, linkage: options.linkage })),
      method,
      graph,
    };
  }
  return { ...bySize(chineseWhispers(D, { threshold: options.threshold, seed: options.seed })), method, graph };
}

/**
 * Options of `clusterOnKnnGraph`.
 *
 * @example
 * const options: KnnClusterOptions = { graph: 'ivf-knn', threshold: 0.0477 };
 */
export interface KnnClusterOptions extends LongWorkOptions, Pick<ClusterOptions, 'mergeThreshold' | 'seed'> {
  /** Which graph to build (k = 10), or one already built over these points (e.g. on worker threads). */
  graph: 'exact-knn' | 'ivf-knn' | KnnGraph;
  /** Linking distance under the points' metric. */
  threshold: number;
}

/**
 * The kNN-graph path of `clusterEmbeddings` on packed vectors: the graph (k = 10, exact or IVF), Chinese whispers
 * on the edges ≤ threshold, then average-linkage merging of the clusters an edge joins (cosine family; see
 * `ClusterOptions.mergeThreshold`). Labels as `clusterKnnGraph` gives them (not sorted by size).
 *
 * @example
 * const labels = clusterOnKnnGraph(packVectors(vectors, 'cosine'), { graph: 'ivf-knn', threshold: 0.0477 });
 */
export function clusterOnKnnGraph(points: PackedVectors, options: KnnClusterOptions): Int32Array {
  const { n, metric } = points;
  const { seed, signal } = options;
  // Progress: the graph is most of the work; Chinese whispers' passes and the merge are the rest.
  const onProgress = (d: number, t: number) => options.onProgress?.(Math.round((0.9 * d * n) / t), n);
  const g: KnnGraph =
    typeof options.graph === 'object'
      ? options.graph
      : options.graph === 'exact-knn'
        ? exactKnn(points, { k: GRAPH_K, signal, onProgress })
        : ivfKnn(points, { k: GRAPH_K, seed, signal, onProgress });
  if (g.n !== n) throw new FaceKitError('E_INPUT', `the kNN graph has ${g.n} items, the points ${n}`);
  let labels = clusterKnnGraph(g, { threshold: options.threshold, seed, signal });
  if (options.mergeThreshold !== false && metric !== 'euclidean') {
    const ratio = KNN_GRAPH_MERGE_SCALE / KNN_GRAPH_THRESHOLD_SCALE;
    const mergeAt =
      options.mergeThreshold ??
      (metric === 'cosine' || metric === 'squared-l2' ? options.threshold * ratio * ratio : options.threshold * ratio);
    labels = mergeByAverageLinkage(points, g, labels, { threshold: cosineDistanceOf(metric, mergeAt), signal });
  }
  options.onProgress?.(n, n);
  return labels;
}

function chooseGraph(graph: ClusterGraph, n: number): Exclude<ClusterGraph, 'auto'> {
  if (!['auto', 'full', 'exact-knn', 'ivf-knn'].includes(graph)) {
    throw new FaceKitError('E_CONFIG', `graph must be 'auto', 'full', 'exact-knn' or 'ivf-knn', got '${graph}'`);
  }
  if (graph !== 'auto') return graph;
  return n <= FULL_MATRIX_MAX_ITEMS ? 'full' : n <= EXACT_KNN_MAX_ITEMS ? 'exact-knn' : 'ivf-knn';
}
