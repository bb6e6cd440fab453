import { FaceKitError } from './errors.js';
import { assertSameWeights } from './embedding-identity.js';
import type { Embedding } from './types.js';

/**
 * Distance metrics. `euclidean-l2` and `squared-l2` normalise both vectors first (FaceNet compares L2-normalised
 * embeddings with the squared L2 distance); `cosine` is 1 − cosine similarity. All are "smaller = more alike".
 *
 * @example
 * const metric: MetricName = 'euclidean-l2';
 * await verify(a, b, { metric });
 */
export type MetricName = 'cosine' | 'euclidean' | 'euclidean-l2' | 'squared-l2';
/**
 * Every metric facekit compares embeddings with.
 *
 * @example
 * for (const m of METRICS) console.log(m, vectorDistance(a, b, m));
 */
export const METRICS: readonly MetricName[] = ['cosine', 'euclidean', 'euclidean-l2', 'squared-l2'];

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Euclidean norm.
 *
 * @example
 * norm([3, 4]); // 5
 */
export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/**
 * A copy scaled to unit length (a zero vector stays zero).
 *
 * @example
 * l2Normalize([3, 4]); // Float32Array [0.6, 0.8]
 */
export function l2Normalize(a: ArrayLike<number>): Float32Array {
  const n = norm(a);
  const out = new Float32Array(a.length);
  if (n === 0) return out;
  for (let i = 0; i < a.length; i++) out[i] = a[i] / n;
  return out;
}

function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const d = norm(a) * norm(b);
  return d === 0 ? 0 : dot(a, b) / d;
}

/**
 * Distance between two raw vectors under a metric.
 *
 * @example
 * vectorDistance([1, 0], [0, 1], 'cosine'); // 1
 * vectorDistance([0, 0], [3, 4], 'euclidean'); // 5
 */
export function vectorDistance(a: ArrayLike<number>, b: ArrayLike<number>, metric: MetricName): number {
  if (a.length !== b.length) {
    throw new FaceKitError('E_EMBEDDING_MISMATCH', `vectors have different lengths (${a.length} vs ${b.length})`);
  }
  switch (metric) {
    case 'cosine':
      return 1 - cosineSimilarity(a, b);
    case 'euclidean': {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
      return Math.sqrt(s);
    }
    case 'squared-l2':
    case 'euclidean-l2':
      // ||â − b̂||² = 2 − 2·cos for unit vectors.
      return unitDistanceFromCosine(metric, cosineSimilarity(a, b));
    default:
      throw new FaceKitError('E_CONFIG', `unknown metric '${String(metric)}'; use one of ${METRICS.join(', ')}`);
  }
}

/**
 * The dot product of `dim` floats of `a` from offset `ao` with `dim` floats of `b` from `bo`: the inner loop of the
 * exact index's scan and of the kNN graphs. Four accumulators: V8 does not vectorise, but independent sums pipeline
 * (about 2× a single sum); small enough for the JIT to inline into the callers' loops.
 *
 * @example
 * dotAt(rows, 3 * 128, query, 0, 128); // row 3 · query
 */
export function dotAt(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t = 0;
  for (; t + 3 < dim; t += 4) {
    s0 += a[ao + t] * b[bo + t];
    s1 += a[ao + t + 1] * b[bo + t + 1];
    s2 += a[ao + t + 2] * b[bo + t + 2];
    s3 += a[ao + t + 3] * b[bo + t + 3];
  }
  for (; t < dim; t++) s0 += a[ao + t] * b[bo + t];
  return s0 + s1 + s2 + s3;
}

/**
 * A cosine-family distance from the cosine similarity of two vectors (the dot product of unit vectors): one place for
 * the identities cosine = 1 − s, squared-l2 = 2 − 2s, euclidean-l2 = √(2 − 2s). 'euclidean' needs the norms too.
 *
 * @example
 * unitDistanceFromCosine('euclidean-l2', 0.5); // 1
 */
export function unitDistanceFromCosine(metric: Exclude<MetricName, 'euclidean'>, similarity: number): number {
  switch (metric) {
    case 'cosine':
      return 1 - similarity;
    case 'squared-l2':
      // Clamp the float noise below zero.
      return Math.max(0, 2 - 2 * similarity);
    default:
      return Math.sqrt(Math.max(0, 2 - 2 * similarity));
  }
}

/**
 * The inverse of `unitDistanceFromCosine`: a cosine-family distance as a cosine distance (1 − similarity).
 *
 * @example
 * cosineDistanceOf('euclidean-l2', 1); // 0.5
 */
export function cosineDistanceOf(metric: Exclude<MetricName, 'euclidean'>, distance: number): number {
  return metric === 'cosine' ? distance : metric === 'squared-l2' ? distance / 2 : (distance * distance) / 2;
}

/**
 * Checks that two embeddings come from the same embedder and have the same dimension.
 *
 * @example
 * assertComparable(a, b); // E_EMBEDDING_MISMATCH when a and b come from different embedders or dimensions
 */
export function assertComparable(a: Embedding, b: Embedding): void {
  if (a.embedder !== b.embedder) {
    throw new FaceKitError(
      'E_EMBEDDING_MISMATCH',
      `cannot compare an embedding of '${a.embedder}' with one of '${b.embedder}'`,
    );
  }
  assertSameWeights('the first embedding', a.embedder, a.weights, b.weights);
  if (a.vector.length !== b.vector.length) {
    throw new FaceKitError(
      'E_EMBEDDING_MISMATCH',
      `embeddings of '${a.embedder}' have different dimensions (${a.vector.length} vs ${b.vector.length})`,
    );
  }
}

/**
 * Distance between two embeddings of the same embedder.
 *
 * @example
 * const [ra] = await represent('a.jpg');
 * const [rb] = await represent('b.jpg');
 * const d = distance(ra.embedding, rb.embedding, 'euclidean');
 */
export function distance(a: Embedding, b: Embedding, metric: MetricName): number {
  assertComparable(a, b);
  return vectorDistance(a.vector, b.vector, metric);
}

/**
 * Checks a metric name (E_CONFIG naming the valid ones otherwise) and narrows its type.
 *
 * @example
 * const metric: string = process.env.METRIC ?? 'cosine';
 * assertMetric(metric); // metric: MetricName from here on
 */
export function assertMetric(metric: string): asserts metric is MetricName {
  if (!(METRICS as readonly string[]).includes(metric)) {
    throw new FaceKitError('E_CONFIG', `unknown metric '${metric}'; use one of ${METRICS.join(', ')}`);
  }
}
