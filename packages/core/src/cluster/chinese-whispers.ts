import { FaceKitError } from '../errors.js';
import type { DistanceMatrix } from './distance-matrix.js';
import { seededRandom, shuffle } from './rng.js';

/**
 * Options of `chineseWhispers`.
 *
 * @example
 * const labels = chineseWhispers(D, { threshold: 0.45, seed: 1 } satisfies ChineseWhispersOptions);
 */
export interface ChineseWhispersOptions {
  /** Items closer than this are linked in the graph. */
  threshold: number;
  /** Passes over the nodes at most (default 50); it stops earlier when no label changes. */
  maxIter?: number;
  seed?: number;
  /** Weight edges by 1 − d/threshold instead of 1 (default false: plain edges, like dlib). */
  weighted?: boolean;
}

/**
 * Chinese whispers (Biemann 2006): every item starts in its own class; in random order each takes the class with
 * the largest edge weight among its neighbours. The number of clusters follows from the graph.
 *
 * @example
 * const labels = chineseWhispers(pairwiseDistances(unitVectors, 'cosine'), { threshold: 0.4, seed: 1 });
 */
export function chineseWhispers(D: DistanceMatrix, options: ChineseWhispersOptions): Int32Array {
  const { threshold, maxIter = 50, seed = 1, weighted = false } = options;
  if (!(threshold >= 0)) throw new FaceKitError('E_CONFIG', `threshold must be ≥ 0, got ${threshold}`);
  const n = D.n;
  const nbrs: number[][] = Array.from({ length: n }, () => []);
  const wts: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dij = D.data[i * n + j];
      if (dij > threshold) continue;
      const w = weighted ? Math.max(1e-6, 1 - dij / Math.max(threshold, 1e-12)) : 1;
      nbrs[i].push(j);
      wts[i].push(w);
      nbrs[j].push(i);
      wts[j].push(w);
    }
  }
  const label = Int32Array.from({ length: n }, (_, i) => i);
  const rand = seededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  const score = new Map<number, number>();
  for (let it = 0; it < maxIter; it++) {
    let changed = 0;
    for (const i of shuffle(order, rand)) {
      if (nbrs[i].length === 0) continue;
      score.clear();
      for (let e = 0; e < nbrs[i].length; e++) {
        const l = label[nbrs[i][e]];
        score.set(l, (score.get(l) ?? 0) + wts[i][e]);
      }
      let best = label[i];
      let bs = -1;
      for (const [l, s] of score) {
        if (s > bs || (s === bs && l < best)) {
          bs = s;
          best = l;
        }
      }
      if (best !== label[i]) {
        label[i] = best;
        changed++;
      }
    }
    if (changed === 0) break;
  }
  // Relabel 0..c−1 in order of first appearance.
  const ids = new Map<number, number>();
  return label.map((l) => {
    if (!ids.has(l)) ids.set(l, ids.size);
    return ids.get(l)!;
  });
}
