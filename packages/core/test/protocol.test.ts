import { describe, expect, it } from 'vitest';
import {
  type ScoredPair,
  accuracyAt,
  auc,
  chooseThreshold,
  crossValidate,
  eer,
  fitConfidenceScale,
  rocCurve,
  tarAtFar,
} from '../src/eval/index.js';

const P = (distance: number, same: boolean): ScoredPair => ({ distance, same });

describe('threshold choice', () => {
  it('picks the midpoint of the best gap on a separable set', () => {
    const pairs = [P(0.1, true), P(0.2, true), P(0.3, true), P(0.5, false), P(0.7, false)];
    const c = chooseThreshold(pairs);
    expect(c.threshold).toBeCloseTo(0.4, 12);
    expect(c.accuracy).toBe(1);
  });

  it('handles overlap by hand: 0.1 s, 0.2 d, 0.3 s, 0.4 d → best accuracy 3/4', () => {
    const pairs = [P(0.1, true), P(0.2, false), P(0.3, true), P(0.4, false)];
    // thresholds: <0.1 → 2/4; 0.15 → 3/4; 0.25 → 2/4; 0.35 → 3/4; ≥0.4 → 2/4. Ties → the lower-median candidate.
    const c = chooseThreshold(pairs);
    expect(c.accuracy).toBe(0.75);
    expect(c.threshold).toBeCloseTo(0.15, 12);
    expect(accuracyAt(pairs, 0.35)).toBe(0.75);
  });

  it('never splits equal distances', () => {
    const pairs = [P(0.2, true), P(0.2, false), P(0.2, true)];
    const c = chooseThreshold(pairs);
    expect(c.accuracy).toBeCloseTo(2 / 3, 12);
    expect(c.threshold).toBeGreaterThanOrEqual(0.2);
  });
});

describe('cross-validation (LFW protocol)', () => {
  it('chooses each fold threshold on the other folds only', () => {
    // Fold 0 is separable at 0.5; fold 1 would want 0.25 alone; fold 2 wants ≈ 0.5.
    const pairs = [
      P(0.1, true),
      P(0.4, true),
      P(0.6, false),
      P(0.9, false), // fold 0
      P(0.2, true),
      P(0.3, false),
      P(0.35, false),
      P(0.8, false), // fold 1
      P(0.45, true),
      P(0.3, true),
      P(0.55, false),
      P(0.7, false), // fold 2
    ];
    const folds = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
    const cv = crossValidate(pairs, folds);
    // For fold 1 the training set (folds 0, 2) is separable between 0.45 and 0.55 → threshold 0.5 → fold-1
    // accuracy = 2/4 (0.3 and 0.35 wrongly accepted).
    expect(cv.folds[1].threshold).toBeCloseTo(0.5, 12);
    expect(cv.folds[1].accuracy).toBe(0.5);
    const others = pairs.filter((_, i) => folds[i] !== 0);
    const t0 = chooseThreshold(others).threshold;
    expect(cv.folds[0].threshold).toBe(t0);
    expect(cv.folds[0].accuracy).toBe(accuracyAt(pairs.slice(0, 4), t0));
    expect(cv.accuracy).toBeCloseTo((cv.folds[0].accuracy + 0.5 + cv.folds[2].accuracy) / 3, 12);
    const m = cv.accuracy;
    const std = Math.sqrt(cv.folds.reduce((a, f) => a + (f.accuracy - m) ** 2, 0) / 3);
    expect(cv.std).toBeCloseTo(std, 12);
    expect(cv.std).toBeGreaterThan(0);
  });
});

describe('ROC metrics', () => {
  it('computes AUC, EER and TAR@FAR by hand', () => {
    // same: 0.1, 0.3; different: 0.2, 0.4
    const roc = rocCurve([P(0.1, true), P(0.2, false), P(0.3, true), P(0.4, false)]);
    expect(roc.map((p) => [p.far, p.tar])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    expect(auc(roc)).toBeCloseTo(0.75, 12);
    expect(eer(roc)).toBeCloseTo(0.5, 12);
    expect(tarAtFar(roc, 0)).toBe(0.5);
    expect(tarAtFar(roc, 0.5)).toBe(1);
  });

  it('gives AUC 1 and EER 0 for a separable set', () => {
    const roc = rocCurve([P(0.1, true), P(0.2, true), P(0.8, false), P(0.9, false)]);
    expect(auc(roc)).toBe(1);
    expect(eer(roc)).toBe(0);
  });
});

describe('confidence calibration', () => {
  it('recovers the scale of a logistic the data was drawn from', () => {
    // Deterministic "expected counts": at each d, P(same) = σ(−k (d − t)) with k = 20, t = 0.5.
    const pairs: ScoredPair[] = [];
    for (let i = 0; i <= 100; i++) {
      const d = i / 100;
      const p = 1 / (1 + Math.exp(20 * (d - 0.5)));
      const nSame = Math.round(p * 200);
      for (let j = 0; j < nSame; j++) pairs.push(P(d, true));
      for (let j = 0; j < 200 - nSame; j++) pairs.push(P(d, false));
    }
    expect(fitConfidenceScale(pairs, 0.5)).toBeCloseTo(20, 0);
  });
});
