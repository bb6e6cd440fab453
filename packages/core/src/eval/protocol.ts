import { FaceKitError } from '../errors.js';

/**
 * One scored pair: the distance between its two faces and whether they are the same person.
 *
 * @example
 * const scored: ScoredPair[] = [{ distance: 0.31, same: true }, { distance: 0.82, same: false }];
 */
export interface ScoredPair {
  distance: number;
  same: boolean;
}

/**
 * The threshold `chooseThreshold` picks and how it does on the pairs.
 *
 * @example
 * const { threshold, accuracy }: ThresholdChoice = chooseThreshold(scored);
 */
export interface ThresholdChoice {
  threshold: number;
  /** Accuracy of that threshold on the pairs it was chosen on. */
  accuracy: number;
}

function assertPairs(pairs: readonly ScoredPair[]): void {
  if (pairs.length === 0) throw new FaceKitError('E_INPUT', 'no pairs to evaluate');
  for (const p of pairs) {
    if (!Number.isFinite(p.distance)) throw new FaceKitError('E_INPUT', `pair distance is not finite: ${p.distance}`);
  }
}

/**
 * Accuracy of "same ⇔ distance ≤ threshold".
 *
 * @example
 * accuracyAt([{ distance: 0.3, same: true }, { distance: 0.9, same: false }], 0.6); // 1
 */
export function accuracyAt(pairs: readonly ScoredPair[], threshold: number): number {
  let ok = 0;
  for (const p of pairs) if (p.distance <= threshold === p.same) ok++;
  return ok / pairs.length;
}

/**
 * The threshold that maximises accuracy on `pairs`: every midpoint between consecutive distinct distances (and
 * the two ends) is a candidate; ties go to the candidate nearest the median of the tied range, so the choice
 * does not sit on the edge of a plateau.
 *
 * @example
 * const { threshold, accuracy } = chooseThreshold(scored); // scored: { distance, same }[]
 */
export function chooseThreshold(pairs: readonly ScoredPair[]): ThresholdChoice {
  assertPairs(pairs);
  const sorted = [...pairs].sort((a, b) => a.distance - b.distance);
  const totalDiff = sorted.filter((p) => !p.same).length;
  // Threshold below everything: every pair is "different" → correct = number of different pairs.
  let correct = totalDiff;
  let best = correct;
  const candidates: number[] = [];
  const first = sorted[0].distance;
  const lowest = first - Math.max(1e-6, Math.abs(first) * 1e-6);
  candidates.push(lowest);
  let bestList = [lowest];
  for (let i = 0; i < sorted.length; i++) {
    correct += sorted[i].same ? 1 : -1;
    // Only between distinct distances: a threshold can't split equal values.
    if (i + 1 < sorted.length && sorted[i + 1].distance === sorted[i].distance) continue;
    const t = i + 1 < sorted.length ? (sorted[i].distance + sorted[i + 1].distance) / 2 : sorted[i].distance;
    if (correct > best) {
      best = correct;
      bestList = [t];
    } else if (correct === best) bestList.push(t);
  }
  const threshold = bestList[Math.floor((bestList.length - 1) / 2)];
  return { threshold, accuracy: best / sorted.length };
}

/**
 * One fold of a cross-validation: the threshold chosen on the other folds and the accuracy it gets on this one.
 *
 * @example
 * for (const f of crossValidate(scored, folds).folds) console.log(f.fold, f.threshold, f.accuracy);
 */
export interface FoldResult {
  fold: number;
  threshold: number;
  accuracy: number;
}

/**
 * The result of `crossValidate`: per-fold results, mean and standard deviation of the accuracy.
 *
 * @example
 * const cv: CrossValidation = crossValidate(scored, folds);
 * console.log(`${(100 * cv.accuracy).toFixed(2)} ± ${(100 * cv.std).toFixed(2)} %`);
 */
export interface CrossValidation {
  folds: FoldResult[];
  /** Mean accuracy over the folds. */
  accuracy: number;
  /** Population standard deviation of the fold accuracies (as numpy's std, which LFW tables usually report). */
  std: number;
}

/**
 * The LFW protocol: for each fold, the threshold is chosen on all other folds and applied to the held-out one.
 *
 * @example
 * const cv = crossValidate(pairs, folds); // cv.accuracy ± cv.std
 */
export function crossValidate(pairs: readonly ScoredPair[], foldOf: readonly number[]): CrossValidation {
  assertPairs(pairs);
  if (foldOf.length !== pairs.length) throw new FaceKitError('E_INPUT', 'one fold index per pair is needed');
  const ids = [...new Set(foldOf)].sort((a, b) => a - b);
  if (ids.length < 2) throw new FaceKitError('E_INPUT', 'cross-validation needs at least two folds');
  const folds = ids.map((fold) => {
    const train = pairs.filter((_, i) => foldOf[i] !== fold);
    const test = pairs.filter((_, i) => foldOf[i] === fold);
    const { threshold } = chooseThreshold(train);
    return { fold, threshold, accuracy: accuracyAt(test, threshold) };
  });
  const accuracy = folds.reduce((a, f) => a + f.accuracy, 0) / folds.length;
  const std = Math.sqrt(folds.reduce((a, f) => a + (f.accuracy - accuracy) ** 2, 0) / folds.length);
  return { folds, accuracy, std };
}

/**
 * One point of a ROC curve: a threshold and the false / true accept rates it gives.
 *
 * @example
 * const strict: RocPoint | undefined = rocCurve(scored).findLast((p) => p.far <= 1e-3);
 */
export interface RocPoint {
  threshold: number;
  /** False accept rate: different-person pairs accepted. */
  far: number;
  /** True accept rate: same-person pairs accepted. */
  tar: number;
}

/**
 * ROC curve from the smallest to the largest threshold, starting at (0, 0) and ending at (1, 1).
 *
 * @example
 * const roc = rocCurve(scored);
 * console.log(auc(roc), eer(roc), tarAtFar(roc, 1e-3));
 */
export function rocCurve(pairs: readonly ScoredPair[]): RocPoint[] {
  assertPairs(pairs);
  const sorted = [...pairs].sort((a, b) => a.distance - b.distance);
  const nSame = sorted.filter((p) => p.same).length;
  const nDiff = sorted.length - nSame;
  if (nSame === 0 || nDiff === 0) throw new FaceKitError('E_INPUT', 'a ROC needs both same and different pairs');
  const points: RocPoint[] = [{ threshold: -Infinity, far: 0, tar: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i].same) tp++;
    else fp++;
    if (i + 1 < sorted.length && sorted[i + 1].distance === sorted[i].distance) continue;
    points.push({ threshold: sorted[i].distance, far: fp / nDiff, tar: tp / nSame });
  }
  return points;
}

/**
 * Area under the ROC curve (trapezoids).
 *
 * @example
 * auc(rocCurve(scored)); // 1 for perfectly separated pairs, 0.5 for chance
 */
export function auc(roc: readonly RocPoint[]): number {
  let a = 0;
  for (let i = 1; i < roc.length; i++) a += ((roc[i].far - roc[i - 1].far) * (roc[i].tar + roc[i - 1].tar)) / 2;
  return a;
}

/**
 * Equal error rate: where FAR = 1 − TAR, interpolated linearly between ROC points.
 *
 * @example
 * eer(rocCurve(scored)); // e.g. 0.0167: 1.67 % false accepts = false rejects
 */
export function eer(roc: readonly RocPoint[]): number {
  for (let i = 1; i < roc.length; i++) {
    const g0 = roc[i - 1].far - (1 - roc[i - 1].tar);
    const g1 = roc[i].far - (1 - roc[i].tar);
    if (g0 <= 0 && g1 >= 0) {
      const u = g1 === g0 ? 0 : -g0 / (g1 - g0);
      return roc[i - 1].far + u * (roc[i].far - roc[i - 1].far);
    }
  }
  return 1;
}

/**
 * The highest TAR whose FAR does not exceed `far` (0 when even the strictest threshold exceeds it).
 *
 * @example
 * tarAtFar(rocCurve(scored), 1e-3); // share of same-person pairs accepted at 1 false accept in 1,000
 */
export function tarAtFar(roc: readonly RocPoint[], far: number): number {
  let best = 0;
  for (const p of roc) if (p.far <= far && p.tar > best) best = p.tar;
  return best;
}

/**
 * Fits the scale k of P(same | d) = 1 / (1 + exp(k (d − threshold))) by maximum likelihood (Newton's method on the
 * one parameter), so that a verdict's confidence is 0.5 at the threshold and calibrated around it.
 *
 * @example
 * const { threshold } = chooseThreshold(scored);
 * const scale = fitConfidenceScale(scored, threshold); // for EmbedderSpec.calibration[metric].scale
 */
export function fitConfidenceScale(pairs: readonly ScoredPair[], threshold: number): number {
  assertPairs(pairs);
  let k = 1 / Math.max(1e-6, Math.abs(threshold) * 0.1);
  for (let iter = 0; iter < 100; iter++) {
    let g = 0;
    let h = 0;
    for (const p of pairs) {
      const x = p.distance - threshold;
      const q = 1 / (1 + Math.exp(Math.max(-50, Math.min(50, k * x)))); // P(same)
      const y = p.same ? 1 : 0;
      // log-likelihood derivative w.r.t. k: d/dk log σ(−kx) terms
      g += -(y - q) * x;
      h += -(x * x) * q * (1 - q);
    }
    if (h === 0) break;
    const step = g / h;
    k -= step;
    if (!(k > 0)) k = 1e-3;
    if (Math.abs(step) < 1e-9 * Math.max(1, k)) break;
  }
  return k;
}
