import { FaceKitError, METRICS, type MetricName, vectorDistance } from '@facekit/core';

/**
 * A labelled pair distance: same person or not.
 *
 * @example
 * const pairs: PairDistance[] = [{ distance: 0.41, same: true }, { distance: 0.77, same: false }];
 */
export interface PairDistance {
  distance: number;
  same: boolean;
}

/**
 * A decision threshold and the accuracy it reaches on the pairs it was fitted on.
 *
 * @example
 * const { threshold, accuracy }: ThresholdFit = fitThreshold(pairs);
 */
export interface ThresholdFit {
  threshold: number;
  accuracy: number;
  pairs: number;
}

/**
 * The threshold that maximises accuracy of "same when distance ≤ threshold" on labelled pairs: a sweep over the
 * sorted distances, placing the threshold midway between neighbours (ties in accuracy: the smallest such gap).
 *
 * @example
 * fitThreshold([{ distance: 0.3, same: true }, { distance: 0.7, same: false }]); // { threshold: 0.5, accuracy: 1 }
 */
export function fitThreshold(pairs: readonly PairDistance[]): ThresholdFit {
  if (pairs.length === 0) throw new FaceKitError('E_INPUT', 'fitThreshold needs at least one pair');
  if (pairs.some((p) => !Number.isFinite(p.distance))) {
    throw new FaceKitError('E_INPUT', 'fitThreshold: distances must be finite');
  }
  const sorted = [...pairs].sort((a, b) => a.distance - b.distance);
  const n = sorted.length;
  const totalDiff = sorted.filter((p) => !p.same).length;
  // Threshold below everything: all pairs called "different".
  let correct = totalDiff;
  let best = { correct, threshold: sorted[0].distance - 1e-6 };
  for (let i = 0; i < n; i++) {
    correct += sorted[i].same ? 1 : -1;
    // Only between distinct distances: a threshold cannot split equal values.
    if (i + 1 < n && sorted[i + 1].distance === sorted[i].distance) continue;
    if (correct > best.correct) {
      const next = i + 1 < n ? sorted[i + 1].distance : sorted[i].distance + 1e-6;
      best = { correct, threshold: (sorted[i].distance + next) / 2 };
    }
  }
  return { threshold: best.threshold, accuracy: best.correct / n, pairs: n };
}

/**
 * Embedding pairs with labels, as produced by embedding both images of each LFW pair.
 *
 * @example
 * const pair: EmbeddingPair = { a: vecA, b: vecB, same: true };
 */
export interface EmbeddingPair {
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  same: boolean;
}

/**
 * Fits one threshold per metric on embedding pairs.
 *
 * @example
 * const fits = fitThresholds(pairs); // { cosine: { threshold, accuracy, pairs }, euclidean: ..., ... }
 */
export function fitThresholds(
  pairs: readonly EmbeddingPair[],
  metrics: readonly MetricName[] = METRICS,
): Record<MetricName, ThresholdFit> {
  const out = {} as Record<MetricName, ThresholdFit>;
  for (const m of metrics) {
    out[m] = fitThreshold(pairs.map((p) => ({ distance: vectorDistance(p.a, p.b, m), same: p.same })));
  }
  return out;
}
