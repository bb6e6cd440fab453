import { FaceKitError } from '../errors.js';
import type { DistanceMatrix } from './distance-matrix.js';

/**
 * Mean silhouette coefficient of a labelling over a distance matrix: per item (b − a) / max(a, b), a = mean
 * distance within its cluster, b = smallest mean distance to another cluster; items alone in their cluster
 * count 0. In [−1, 1], higher is better; needs at least 2 clusters.
 *
 * @example
 * silhouette(pairwiseDistances(vectors, 'euclidean'), assignments) // 0.71
 */
export function silhouette(D: DistanceMatrix, labels: ArrayLike<number>): number {
  const n = D.n;
  if (labels.length !== n) throw new FaceKitError('E_INPUT', `${labels.length} labels for ${n} items`);
  const ids = [...new Set(Array.from(labels))];
  if (ids.length < 2 || ids.length >= n) return 0;
  const index = new Map(ids.map((c, i) => [c, i]));
  const lab = Int32Array.from(Array.from(labels), (l) => index.get(l)!);
  const size = new Int32Array(ids.length);
  for (const l of lab) size[l]++;
  const sums = new Float64Array(ids.length);
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (size[lab[i]] === 1) continue;
    sums.fill(0);
    const row = i * n;
    for (let j = 0; j < n; j++) sums[lab[j]] += D.data[row + j];
    const a = sums[lab[i]] / (size[lab[i]] - 1);
    let b = Infinity;
    for (let c = 0; c < ids.length; c++) if (c !== lab[i]) b = Math.min(b, sums[c] / size[c]);
    const m = Math.max(a, b);
    total += m === 0 ? 0 : (b - a) / m;
  }
  return total / n;
}
