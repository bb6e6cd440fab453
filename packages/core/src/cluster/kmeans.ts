import { FaceKitError, throwIfAborted } from '../errors.js';
import type { LongWorkOptions } from './knn-graph.js';
import { seededRandom } from './rng.js';

/**
 * Options of `kmeans`.
 *
 * @example
 * const r = kmeans(vectors, { k: 5, seed: 1 } satisfies KMeansOptions);
 */
export interface KMeansOptions extends LongWorkOptions {
  k: number;
  /** Seed of the k-means++ initialisation (default 1): same seed, same clusters. */
  seed?: number;
  /** Lloyd iterations at most (default 100). */
  maxIter?: number;
  /** Runs from different seeds; the one with the lowest inertia wins (default 1). */
  restarts?: number;
}

/**
 * The result of `kmeans`: each vector's cluster and the centroids.
 *
 * @example
 * const { assignments }: KMeansResult = kmeans(vectors, { k: 5 });
 */
export interface KMeansResult {
  /** Cluster index of each vector. */
  assignments: Int32Array;
  /** k centroids. */
  centroids: Float32Array[];
  /** Sum of squared distances to the assigned centroid. */
  inertia: number;
  iterations: number;
}

function sqDist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i] - b[i];
    s += t * t;
  }
  return s;
}

/** Picks the index with probability ∝ weight. */
function pickWeighted(weights: Float64Array, total: number, rand: () => number): number {
  let x = rand() * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i];
    if (x < 0) return i;
  }
  // Float round-off: the last index with a positive weight.
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
  return 0;
}

/** k-means++ seeding: each new centre drawn with probability ∝ squared distance to the nearest chosen one. */
function kmeansPlusPlus(x: readonly ArrayLike<number>[], k: number, rand: () => number): Float32Array[] {
  const n = x.length;
  const centres = [Float32Array.from(x[Math.floor(rand() * n)])];
  const d2 = new Float64Array(n);
  for (let i = 0; i < n; i++) d2[i] = sqDist(x[i], centres[0]);
  while (centres.length < k) {
    let total = 0;
    for (let i = 0; i < n; i++) total += d2[i];
    // All remaining points coincide with a centre: duplicate one (its cluster just stays empty-free below).
    const next = total > 0 ? pickWeighted(d2, total, rand) : Math.floor(rand() * n);
    const c = Float32Array.from(x[next]);
    centres.push(c);
    for (let i = 0; i < n; i++) d2[i] = Math.min(d2[i], sqDist(x[i], c));
  }
  return centres;
}

/** Index of the centre nearest to `p` (the first on a tie) and its squared distance. */
function nearestCentre(p: ArrayLike<number>, centres: readonly Float32Array[]): [index: number, d2: number] {
  let best = 0;
  let bd = Infinity;
  for (let c = 0; c < centres.length; c++) {
    const d = sqDist(p, centres[c]);
    if (d < bd) {
      bd = d;
      best = c;
    }
  }
  return [best, bd];
}

/** Progress of one restart's Lloyd iterations (done, total) and the abort check between them. */
type IterationHook = (iteration: number) => void;

function lloyd(
  x: readonly ArrayLike<number>[],
  centres: Float32Array[],
  maxIter: number,
  hook: IterationHook,
): KMeansResult {
  const n = x.length;
  const k = centres.length;
  const dim = x[0].length;
  const assign = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n);
  let iterations = 0;
  for (; iterations < maxIter; iterations++) {
    hook(iterations);
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const [best, bd] = nearestCentre(x[i], centres);
      dist[i] = bd;
      if (assign[i] !== best) {
        assign[i] = best;
        changed++;
      }
    }
    if (changed === 0) break;
    const sums = Array.from({ length: k }, () => new Float64Array(dim));
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      const s = sums[assign[i]];
      for (let j = 0; j < dim; j++) s[j] += x[i][j];
      counts[assign[i]]++;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        // An empty cluster takes the point farthest from its centre, which then moves.
        let far = 0;
        for (let i = 1; i < n; i++) if (dist[i] > dist[far]) far = i;
        centres[c] = Float32Array.from(x[far]);
        dist[far] = 0;
        assign[far] = -1;
        continue;
      }
      for (let j = 0; j < dim; j++) centres[c][j] = sums[c][j] / counts[c];
    }
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const [best, bd] = nearestCentre(x[i], centres);
    assign[i] = best;
    inertia += bd;
  }
  return { assignments: assign, centroids: centres, inertia, iterations };
}

/**
 * k-means (Lloyd) with k-means++ initialisation and a seeded RNG, on the vectors as given (Euclidean). For
 * embeddings compared by cosine, pass unit vectors (`clusterEmbeddings` does). O(n · k · dim) per iteration:
 * `onProgress` reports iterations (of restarts × maxIter), `signal` aborts between them.
 *
 * @example
 * const { assignments, centroids } = kmeans(vectors, { k: 3, seed: 7 });
 */
export function kmeans(vectors: readonly ArrayLike<number>[], options: KMeansOptions): KMeansResult {
  const { k, seed = 1, maxIter = 100, restarts = 1 } = options;
  const n = vectors.length;
  if (!Number.isInteger(k) || k < 1) throw new FaceKitError('E_CONFIG', `k must be an integer ≥ 1, got ${k}`);
  if (k > n) throw new FaceKitError('E_CONFIG', `k = ${k} is more than the ${n} vectors`);
  const dim = vectors[0].length;
  if (vectors.some((v) => v.length !== dim)) throw new FaceKitError('E_INPUT', 'vectors differ in dimension');
  const rand = seededRandom(seed);
  let best: KMeansResult | undefined;
  for (let r = 0; r < Math.max(1, restarts); r++) {
    throwIfAborted(options.signal);
    const total = Math.max(1, restarts) * maxIter;
    const res = lloyd(vectors, kmeansPlusPlus(vectors, k, rand), maxIter, (it) => {
      throwIfAborted(options.signal);
      options.onProgress?.(r * maxIter + it, total);
    });
    if (!best || res.inertia < best.inertia) best = res;
  }
  return best!;
}
