import { FaceKitError, throwIfAborted } from '../errors.js';
import type { KnnGraph, LongWorkOptions } from './knn-graph.js';
import { relabelByFirstAppearance, whisperLabels } from './chinese-whispers.js';

/**
 * How `clusterKnnGraph` turns the linked kNN graph into clusters.
 *
 * @example
 * const method: GraphClusterMethod = 'chinese-whispers';
 */
export type GraphClusterMethod = 'chinese-whispers' | 'components';

/**
 * Options of `clusterKnnGraph`.
 *
 * @example
 * const labels = clusterKnnGraph(g, { threshold: 0.06, method: 'chinese-whispers' } satisfies GraphClusterOptions);
 */
export interface GraphClusterOptions extends LongWorkOptions {
  /** Neighbours closer than this (≤) are linked. */
  threshold: number;
  /** 'chinese-whispers' (default) or 'components' (connected components: single linkage over the kNN edges). */
  method?: GraphClusterMethod;
  /** Chinese-whispers passes at most (default 50; stops earlier when no label changes). */
  maxIter?: number;
  seed?: number;
}

/**
 * The linked edges as an undirected adjacency list (CSR): each pair once per endpoint, whichever rows it came from.
 *
 * @example
 * const { offsets, targets } = linkedAdjacency(g, 0.06); // neighbours of i: targets[offsets[i] .. offsets[i + 1])
 */
export function linkedAdjacency(graph: KnnGraph, threshold: number): { offsets: Int32Array; targets: Int32Array } {
  const { n, k, neighbours, distances } = graph;
  // Pairs i < j encoded as i · n + j (exact in a double up to n ≈ 9·10⁷), sorted to drop the duplicates that
  // mutual neighbours give.
  let m = 0;
  for (let s = 0; s < n * k; s++) if (neighbours[s] >= 0 && distances[s] <= threshold) m++;
  const pairs = new Float64Array(m);
  m = 0;
  for (let i = 0; i < n; i++) {
    for (let s = i * k; s < (i + 1) * k; s++) {
      const j = neighbours[s];
      if (j < 0 || !(distances[s] <= threshold) || j === i) continue;
      pairs[m++] = i < j ? i * n + j : j * n + i;
    }
  }
  const sorted = pairs.subarray(0, m).sort();
  const degree = new Int32Array(n + 1);
  let unique = 0;
  for (let e = 0; e < m; e++) {
    if (e > 0 && sorted[e] === sorted[e - 1]) continue;
    sorted[unique++] = sorted[e];
    const i = Math.floor(sorted[e] / n);
    degree[i + 1]++;
    degree[sorted[e] - i * n + 1]++;
  }
  for (let i = 0; i < n; i++) degree[i + 1] += degree[i];
  const offsets = degree;
  const fill = offsets.slice(0, n);
  const targets = new Int32Array(offsets[n]);
  for (let e = 0; e < unique; e++) {
    const i = Math.floor(sorted[e] / n);
    const j = sorted[e] - i * n;
    targets[fill[i]++] = j;
    targets[fill[j]++] = i;
  }
  // Each row ascending, so that results do not depend on the order the graph was built in.
  for (let i = 0; i < n; i++) targets.subarray(offsets[i], offsets[i + 1]).sort();
  return { offsets, targets };
}

/**
 * Clusters a kNN graph: neighbours at distance ≤ threshold are linked, then Chinese whispers (Biemann 2006, as
 * `chineseWhispers` on the full matrix) or connected components label the linked graph. An item with no linked
 * neighbour stays a singleton. Time O(n · k · passes), memory O(n · k). With k ≥ n − 1 the linked graph is the full
 * matrix's, and Chinese whispers with the same seed gives `chineseWhispers`'s labels.
 *
 * @example
 * const labels = clusterKnnGraph(exactKnn(points, { k: 10 }), { threshold: 0.06 });
 */
export function clusterKnnGraph(graph: KnnGraph, options: GraphClusterOptions): Int32Array {
  const { threshold, method = 'chinese-whispers', maxIter = 50, seed = 1 } = options;
  if (!(threshold >= 0)) throw new FaceKitError('E_CONFIG', `threshold must be ≥ 0, got ${threshold}`);
  if (method !== 'chinese-whispers' && method !== 'components') {
    throw new FaceKitError('E_CONFIG', `graph clustering method must be 'chinese-whispers' or 'components'`);
  }
  throwIfAborted(options.signal);
  const n = graph.n;
  const { offsets, targets } = linkedAdjacency(graph, threshold);
  if (method === 'components') {
    const label = Int32Array.from({ length: n }, (_, i) => i);
    const find = (x: number): number => {
      while (label[x] !== x) {
        label[x] = label[label[x]];
        x = label[x];
      }
      return x;
    };
    for (let i = 0; i < n; i++) {
      for (let e = offsets[i]; e < offsets[i + 1]; e++) {
        const a = find(i);
        const b = find(targets[e]);
        if (a !== b) label[Math.max(a, b)] = Math.min(a, b);
      }
    }
    for (let i = 0; i < n; i++) label[i] = find(i);
    return relabelByFirstAppearance(label);
  }
  return whisperLabels({ offsets, targets }, { maxIter, seed, signal: options.signal, onProgress: options.onProgress });
}

/**
 * Options of `mergeByAverageLinkage`.
 *
 * @example
 * const merged = mergeByAverageLinkage(points, graph, labels, { threshold: 0.078 } satisfies AverageMergeOptions);
 */
export interface AverageMergeOptions extends LongWorkOptions {
  /** Clusters whose average pairwise cosine distance is ≤ this are merged. */
  threshold: number;
}

/**
 * Average-linkage merging restricted to the kNN graph: clusters that a kNN edge connects are merged, closest pair
 * first, while their average pairwise cosine distance stays ≤ threshold. For unit vectors that average is
 * 1 − ⟨Σa/|A|, Σb/|B|⟩, so each cluster carries only its vector sum. It joins the pieces that Chinese whispers
 * leaves of one person whose photos vary more than the link threshold (each photo linked to few others) — the case
 * of large identities, which weigh most in BCubed recall — while two people stay apart: the average over many
 * pairs is steadier than the one link that chains them. One greedy pass: a pair over the threshold at the start is
 * not looked at again. Time O(n·k·dim + e log e) for e cross-cluster edges; memory O(clusters·dim + n·k), in typed
 * arrays (1,000,000 faces: about 0.3 GB of sums).
 *
 * @example
 * const merged = mergeByAverageLinkage(points, g, clusterKnnGraph(g, { threshold: 0.048 }), { threshold: 0.056 });
 */
export function mergeByAverageLinkage(
  points: { n: number; dim: number; data: Float32Array },
  graph: KnnGraph,
  labels: Int32Array,
  options: AverageMergeOptions,
): Int32Array {
  if (!(options.threshold >= 0)) throw new FaceKitError('E_CONFIG', `threshold must be ≥ 0, got ${options.threshold}`);
  const { n, dim, data } = points;
  const { k, neighbours } = graph;
  let c = 0;
  for (let i = 0; i < n; i++) c = Math.max(c, labels[i] + 1);
  const sums = new Float32Array(c * dim);
  const size = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const o = labels[i] * dim;
    size[labels[i]]++;
    for (let t = 0; t < dim; t++) sums[o + t] += data[i * dim + t];
  }
  const avgDistance = (a: number, b: number): number => {
    let dot = 0;
    for (let t = 0; t < dim; t++) dot += sums[a * dim + t] * sums[b * dim + t];
    return 1 - dot / (size[a] * size[b]);
  };
  // Distinct cluster pairs that a kNN edge joins, as a · c + b (exact in a double), sorted to drop duplicates.
  let m = 0;
  for (let s = 0; s < n * k; s++) if (neighbours[s] >= 0 && labels[neighbours[s]] !== labels[Math.floor(s / k)]) m++;
  const keys = new Float64Array(m);
  m = 0;
  for (let i = 0; i < n; i++) {
    for (let s = i * k; s < (i + 1) * k; s++) {
      const j = neighbours[s];
      if (j < 0 || labels[i] === labels[j]) continue;
      keys[m++] = Math.min(labels[i], labels[j]) * c + Math.max(labels[i], labels[j]);
    }
  }
  keys.sort();
  throwIfAborted(options.signal);
  const pa = new Int32Array(m);
  const pb = new Int32Array(m);
  const pd = new Float64Array(m);
  let e = 0;
  for (let s = 0; s < m; s++) {
    if (s > 0 && keys[s] === keys[s - 1]) continue;
    const a = Math.floor(keys[s] / c);
    const b = keys[s] - a * c;
    const d = avgDistance(a, b);
    if (d > options.threshold) continue;
    pa[e] = a;
    pb[e] = b;
    pd[e++] = d;
  }
  throwIfAborted(options.signal);
  const order = Uint32Array.from({ length: e }, (_, x) => x).sort((x, y) => pd[x] - pd[y] || x - y);
  const parent = Int32Array.from({ length: c }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (const x of order) {
    const a = find(pa[x]);
    const b = find(pb[x]);
    if (a === b || avgDistance(a, b) > options.threshold) continue;
    // b joins a: sums add, so the pair distances of later candidates see the merged cluster.
    parent[b] = a;
    size[a] += size[b];
    for (let t = 0; t < dim; t++) sums[a * dim + t] += sums[b * dim + t];
  }
  return relabelByFirstAppearance(labels.map((l) => find(l)));
}
