import { FaceKitError } from '../errors.js';
import { assertMetric, l2Normalize, type MetricName } from '../metrics.js';
import type { EmbedderSpec } from '../registry.js';
import type { Embedding } from '../types.js';
import { agglomerative, type Linkage } from './agglomerative.js';
import { chineseWhispers } from './chinese-whispers.js';
import { pairwiseDistances } from './distance-matrix.js';
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
 * The default linking threshold for clustering an embedder's embeddings, or undefined when the embedder has no
 * verification threshold for the metric. The cosine distance is half the squared euclidean-l2 distance and
 * squared-l2 is its square, so for those two the share of `CLUSTER_THRESHOLD_SCALE` is squared: the same tightening
 * measured as a distance.
 *
 * @example
 * clusterEmbeddings(es, { threshold: defaultClusterThreshold(spec, 'agglomerative', spec.defaultMetric) });
 */
export function defaultClusterThreshold(
  spec: Pick<EmbedderSpec, 'thresholds'>,
  method: 'agglomerative' | 'chinese-whispers',
  metric: MetricName,
): number | undefined {
  const t = spec.thresholds[metric];
  const share = CLUSTER_THRESHOLD_SCALE[method];
  const squared = metric === 'cosine' || metric === 'squared-l2';
  return t === undefined ? undefined : t * (squared ? share * share : share);
}

/**
 * Options of `clusterEmbeddings`.
 *
 * @example
 * const r = clusterEmbeddings(embeddings, { method: 'agglomerative' } satisfies ClusterOptions);
 */
export interface ClusterOptions {
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
 * Groups embeddings of one embedder into people. Cosine-family metrics cluster the unit vectors.
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
  const vectors = embeddings.map((e) => (metric === 'euclidean' ? e.vector : l2Normalize(e.vector)));
  const n = vectors.length;
  if (method === 'kmeans') {
    if (options.k !== undefined) {
      return {
        ...bySize(kmeans(vectors, { k: options.k, seed: options.seed, restarts: options.restarts ?? 5 }).assignments),
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
  const D = pairwiseDistances(vectors, metric);
  if (method === 'agglomerative') {
    return { ...bySize(agglomerative(D, { threshold: options.threshold, linkage: options.linkage })), method };
  }
  if (method === 'chinese-whispers') {
    return { ...bySize(chineseWhispers(D, { threshold: options.threshold, seed: options.seed })), method };
  }
  throw new FaceKitError('E_CONFIG', `unknown clustering method '${method}'`);
}
