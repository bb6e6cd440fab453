import { FaceKitError } from '../errors.js';
import { assertMetric, type MetricName } from '../metrics.js';

/** Where `clusterEmbeddings` switches to the kNN graph (FULL_MATRIX_MAX_ITEMS; kept literal to avoid an import cycle). */
const FULL_MATRIX_LIMIT_HINT = '5,000 faces';

/**
 * A symmetric n × n distance matrix, row-major.
 *
 * @example
 * const D: DistanceMatrix = pairwiseDistances(vectors, 'cosine');
 * const d01 = D.data[0 * D.n + 1];
 */
export interface DistanceMatrix {
  n: number;
  data: Float32Array;
}

/**
 * Largest n for a full distance matrix: n² float32s = 1.6 GB at 20,000. `clusterEmbeddings` never gets here with
 * many faces: above `FULL_MATRIX_MAX_ITEMS` it clusters on a kNN graph instead.
 *
 * @example
 * if (embeddings.length > MAX_PAIRWISE_ITEMS) console.log('cluster on a kNN graph (exactKnn / ivfKnn)');
 */
export const MAX_PAIRWISE_ITEMS = 20_000;

/**
 * All pairwise distances under a metric (n² floats: 36 MB for 3,000 vectors), from dot products and norms so
 * that each pair costs one pass over the vectors (same formulas as `vectorDistance`).
 *
 * @example
 * const D = pairwiseDistances(vectors, 'cosine'); D.data[i * D.n + j]
 */
export function pairwiseDistances(vectors: readonly ArrayLike<number>[], metric: MetricName): DistanceMatrix {
  assertMetric(metric);
  const n = vectors.length;
  if (n > MAX_PAIRWISE_ITEMS) {
    throw new FaceKitError(
      'E_CONFIG',
      `a full distance matrix is limited to ${MAX_PAIRWISE_ITEMS} items (got ${n}); cluster on a kNN graph (clusterEmbeddings does above ${FULL_MATRIX_LIMIT_HINT})`,
    );
  }
  const dim = n > 0 ? vectors[0].length : 0;
  if (vectors.some((v) => v.length !== dim))
    throw new FaceKitError('E_EMBEDDING_MISMATCH', 'vectors differ in dimension');
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += vectors[i][j] * vectors[i][j];
    sq[i] = s;
  }
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const a = vectors[i];
    for (let j = i + 1; j < n; j++) {
      const b = vectors[j];
      let dot = 0;
      for (let t = 0; t < dim; t++) dot += a[t] * b[t];
      let d: number;
      if (metric === 'euclidean') d = Math.sqrt(Math.max(0, sq[i] + sq[j] - 2 * dot));
      else {
        const den = Math.sqrt(sq[i] * sq[j]);
        const cos = den === 0 ? 0 : dot / den;
        d =
          metric === 'cosine'
            ? 1 - cos
            : metric === 'squared-l2'
              ? Math.max(0, 2 - 2 * cos)
              : Math.sqrt(Math.max(0, 2 - 2 * cos));
      }
      data[i * n + j] = d;
      data[j * n + i] = d;
    }
  }
  return { n, data };
}
