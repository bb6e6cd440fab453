import { FaceKitError, throwIfAborted } from '../errors.js';
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
  // The linked graph in compressed rows, each row ascending (as the kNN-graph path builds it).
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (j !== i && D.data[i * n + j] <= threshold) offsets[i + 1]++;
  }
  for (let i = 0; i < n; i++) offsets[i + 1] += offsets[i];
  const targets = new Int32Array(offsets[n]);
  const weights = weighted ? new Float64Array(offsets[n]) : undefined;
  for (let i = 0, e = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dij = D.data[i * n + j];
      if (j === i || dij > threshold) continue;
      if (weights) weights[e] = Math.max(1e-6, 1 - dij / Math.max(threshold, 1e-12));
      targets[e++] = j;
    }
  }
  return whisperLabels({ offsets, targets, weights }, { maxIter, seed });
}

/**
 * A linked graph in compressed rows: the neighbours of item i are `targets[offsets[i] .. offsets[i + 1])`, with
 * optional edge weights (1 each without).
 *
 * @example
 * const g: LinkedGraph = { offsets: Int32Array.of(0, 1, 2), targets: Int32Array.of(1, 0) }; // two linked items
 */
export interface LinkedGraph {
  offsets: Int32Array;
  targets: Int32Array;
  weights?: Float64Array;
}

/**
 * The label propagation of Chinese whispers on a linked graph, shared by the full-matrix and kNN-graph paths: every
 * item starts in its own class; in a seeded random order each takes the class of largest weight among its
 * neighbours (ties: the smallest label), until no label changes or `maxIter` passes. Labels 0..c−1 by first
 * appearance.
 *
 * @example
 * const labels = whisperLabels({ offsets, targets }, { maxIter: 50, seed: 1 });
 */
export function whisperLabels(
  graph: LinkedGraph,
  options: {
    maxIter: number;
    seed: number;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
  },
): Int32Array {
  const { offsets, targets, weights } = graph;
  const n = offsets.length - 1;
  const label = Int32Array.from({ length: n }, (_, i) => i);
  const rand = seededRandom(options.seed);
  const order = Array.from({ length: n }, (_, i) => i);
  const score = new Map<number, number>();
  for (let it = 0; it < options.maxIter; it++) {
    throwIfAborted(options.signal);
    let changed = 0;
    for (const i of shuffle(order, rand)) {
      if (offsets[i] === offsets[i + 1]) continue;
      score.clear();
      for (let e = offsets[i]; e < offsets[i + 1]; e++) {
        const l = label[targets[e]];
        score.set(l, (score.get(l) ?? 0) + (weights ? weights[e] : 1));
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
    options.onProgress?.(it + 1, options.maxIter);
    if (changed === 0) break;
  }
  return relabelByFirstAppearance(label);
}

/**
 * Labels renumbered 0..c−1 in order of first appearance.
 *
 * @example
 * relabelByFirstAppearance(Int32Array.of(7, 7, 2)); // Int32Array [0, 0, 1]
 */
export function relabelByFirstAppearance(label: Int32Array): Int32Array {
  const ids = new Map<number, number>();
  return label.map((l) => {
    if (!ids.has(l)) ids.set(l, ids.size);
    return ids.get(l)!;
  });
}
