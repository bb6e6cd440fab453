import { FaceKitError } from '../errors.js';
import type { DistanceMatrix } from './distance-matrix.js';

/**
 * How agglomerative clustering measures the distance between two clusters.
 *
 * @example
 * const linkage: Linkage = 'average';
 * const labels = agglomerative(D, { threshold: 0.5, linkage });
 */
export type Linkage = 'average' | 'complete' | 'single';

/**
 * Options of `agglomerative`.
 *
 * @example
 * const labels = agglomerative(D, { threshold: 0.5, linkage: 'complete' } satisfies AgglomerativeOptions);
 */
export interface AgglomerativeOptions {
  /** Clusters closer than this (under the linkage) are merged; the cut height of the dendrogram. */
  threshold: number;
  /** How the distance between two clusters is measured (default 'average'). */
  linkage?: Linkage;
}

/**
 * One merge of the dendrogram: clusters represented by items a and b joined at height h.
 *
 * @example
 * const merges: Merge[] = dendrogram(D);
 * merges[0]; // { a, b, height }: the closest pair, merged first
 */
export interface Merge {
  a: number;
  b: number;
  height: number;
}

/**
 * The full dendrogram by the nearest-neighbour-chain algorithm: O(n²) time, with Lance–Williams updates of the
 * distance matrix (a copy). Single, complete and average linkage are reducible, so the merges sorted by height
 * form the same dendrogram as the naive algorithm.
 *
 * @example
 * const merges = dendrogram(pairwiseDistances(vectors, 'cosine'), 'average');
 * const labels = cutDendrogram(vectors.length, merges, 0.4);
 */
export function dendrogram(D: DistanceMatrix, linkage: Linkage = 'average'): Merge[] {
  if (!['average', 'complete', 'single'].includes(linkage)) {
    throw new FaceKitError('E_CONFIG', `linkage must be 'average', 'complete' or 'single', got '${linkage}'`);
  }
  const n = D.n;
  const d = Float32Array.from(D.data);
  const size = new Int32Array(n).fill(1);
  const active = new Uint8Array(n).fill(1);
  const merges: Merge[] = [];
  const chain: number[] = [];
  let remaining = n;
  let nextStart = 0;
  while (remaining > 1) {
    if (chain.length === 0) {
      while (!active[nextStart]) nextStart++;
      chain.push(nextStart);
    }
    const a = chain[chain.length - 1];
    const prev = chain.length > 1 ? chain[chain.length - 2] : -1;
    // Nearest active cluster to a; ties go to the previous link so the chain always ends in a reciprocal pair.
    let b = prev;
    let bd = prev >= 0 ? d[a * n + prev] : Infinity;
    for (let x = 0; x < n; x++) {
      if (!active[x] || x === a) continue;
      const dx = d[a * n + x];
      if (dx < bd) {
        bd = dx;
        b = x;
      }
    }
    if (b !== prev) {
      chain.push(b);
      continue;
    }
    chain.pop();
    chain.pop();
    merges.push({ a, b, height: bd });
    // The merged cluster lives at index a; b retires.
    const na = size[a];
    const nb = size[b];
    for (let x = 0; x < n; x++) {
      if (!active[x] || x === a || x === b) continue;
      const dax = d[a * n + x];
      const dbx = d[b * n + x];
      const v =
        linkage === 'single'
          ? Math.min(dax, dbx)
          : linkage === 'complete'
            ? Math.max(dax, dbx)
            : (na * dax + nb * dbx) / (na + nb);
      d[a * n + x] = v;
      d[x * n + a] = v;
    }
    size[a] = na + nb;
    active[b] = 0;
    remaining--;
  }
  return merges.sort((p, q) => p.height - q.height);
}

/**
 * Cluster labels 0..c−1 from a dendrogram cut at a height (merges at ≤ threshold applied).
 *
 * @example
 * const labels = cutDendrogram(n, dendrogram(D), 0.5); // Int32Array of cluster ids 0..c−1
 */
export function cutDendrogram(n: number, merges: readonly Merge[], threshold: number): Int32Array {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (const m of merges) {
    if (m.height > threshold) break;
    parent[find(m.a)] = find(m.b);
  }
  const labels = new Int32Array(n);
  const ids = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (!ids.has(r)) ids.set(r, ids.size);
    labels[i] = ids.get(r)!;
  }
  return labels;
}

/**
 * Agglomerative clustering with an unknown number of clusters: merge while the linkage distance is ≤ threshold.
 *
 * @example
 * const labels = agglomerative(pairwiseDistances(unitVectors, 'cosine'), { threshold: 0.4 });
 */
export function agglomerative(D: DistanceMatrix, options: AgglomerativeOptions): Int32Array {
  if (!(options.threshold >= 0)) throw new FaceKitError('E_CONFIG', `threshold must be ≥ 0, got ${options.threshold}`);
  return cutDendrogram(D.n, dendrogram(D, options.linkage), options.threshold);
}
