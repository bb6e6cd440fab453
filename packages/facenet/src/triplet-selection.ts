import { FaceKitError } from '@facekit/core';

/**
 * Online triplet selection inside a batch:
 * - `batch-hard`: per anchor, its farthest positive and its nearest negative (one triplet per anchor).
 * - `semi-hard` (FaceNet paper §3.2): every anchor–positive pair, each with the nearest negative that is still
 *   farther than the positive but inside the margin, d(a,p) < d(a,n) < d(a,p) + α; when there is none, the hardest
 *   (nearest) negative.
 *
 * @example
 * const triplets = selectTriplets(distances, labels, 'semi-hard' satisfies TripletSelection, 0.2);
 */
export type TripletSelection = 'batch-hard' | 'semi-hard';

/**
 * Triplets as parallel index lists into the batch.
 *
 * @example
 * const t: Triplets = { anchors: [0, 1], positives: [1, 0], negatives: [2, 2] };
 * const { loss } = tripletLoss(embeddings, t, 0.2);
 */
export interface Triplets {
  anchors: number[];
  positives: number[];
  negatives: number[];
}

/**
 * Chooses triplets from a batch's pairwise (squared L2) distances and labels. Pure: no tensors. `distances` is the
 * n×n matrix, row-major flat or as rows. Anchors without a positive or without a negative in the batch are skipped.
 *
 * @example
 * selectTriplets([[0, 1, 4], [1, 0, 2], [4, 2, 0]], [0, 0, 1], 'batch-hard', 0.2);
 * // { anchors: [0, 1], positives: [1, 0], negatives: [2, 2] }
 */
export function selectTriplets(
  distances: ArrayLike<number> | ArrayLike<number>[],
  labels: ArrayLike<number>,
  mode: TripletSelection,
  margin: number,
): Triplets {
  const n = labels.length;
  const rows = distances as ArrayLike<number>[];
  const nested = n > 0 && typeof rows[0] === 'object';
  if ((nested ? rows.length * (rows[0]?.length ?? 0) : distances.length) !== n * n) {
    throw new FaceKitError('E_INPUT', `distance matrix must be ${n}×${n} for ${n} labels`);
  }
  const d = nested
    ? (i: number, j: number) => rows[i][j]
    : (i: number, j: number) => (distances as ArrayLike<number>)[i * n + j];
  const out: Triplets = { anchors: [], positives: [], negatives: [] };
  const push = (a: number, p: number, neg: number) => {
    out.anchors.push(a);
    out.positives.push(p);
    out.negatives.push(neg);
  };
  for (let a = 0; a < n; a++) {
    const positives: number[] = [];
    let hardestNeg = -1;
    for (let j = 0; j < n; j++) {
      if (j === a) continue;
      if (labels[j] === labels[a]) positives.push(j);
      else if (hardestNeg < 0 || d(a, j) < d(a, hardestNeg)) hardestNeg = j;
    }
    if (positives.length === 0 || hardestNeg < 0) continue;
    if (mode === 'batch-hard') {
      push(
        a,
        positives.reduce((best, p) => (d(a, p) > d(a, best) ? p : best)),
        hardestNeg,
      );
      continue;
    }
    if (mode !== 'semi-hard') throw new FaceKitError('E_CONFIG', `unknown triplet selection '${String(mode)}'`);
    for (const p of positives) {
      const dap = d(a, p);
      let semi = -1;
      for (let j = 0; j < n; j++) {
        if (labels[j] === labels[a]) continue;
        const dan = d(a, j);
        if (dan > dap && dan < dap + margin && (semi < 0 || dan < d(a, semi))) semi = j;
      }
      push(a, p, semi >= 0 ? semi : hardestNeg);
    }
  }
  return out;
}
