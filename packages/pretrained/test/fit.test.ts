import { isFaceKitError } from '@facekit/core';
import { describe, expect, it } from 'vitest';
import { fitThreshold, fitThresholds } from '../src/fit.js';

describe('fitThreshold', () => {
  it('puts the threshold midway in the gap of separable pairs', () => {
    const f = fitThreshold([
      { distance: 0.2, same: true },
      { distance: 0.3, same: true },
      { distance: 0.7, same: false },
      { distance: 0.9, same: false },
    ]);
    expect(f).toEqual({ threshold: 0.5, accuracy: 1, pairs: 4 });
  });

  it('maximises accuracy on overlapping pairs and never splits equal distances', () => {
    // Best: threshold between 0.42 and 0.5 → 5 of 6 right (the mismatched 0.35 is called same).
    const f = fitThreshold([
      { distance: 0.1, same: true },
      { distance: 0.35, same: false },
      { distance: 0.4, same: true },
      { distance: 0.42, same: true },
      { distance: 0.5, same: false },
      { distance: 0.9, same: false },
    ]);
    expect(f.accuracy).toBeCloseTo(5 / 6, 10);
    expect(f.threshold).toBeCloseTo(0.46, 10);
    // Equal accuracy at two places: the smaller threshold wins.
    const two = fitThreshold([
      { distance: 0.1, same: true },
      { distance: 0.3, same: false },
      { distance: 0.5, same: true },
      { distance: 0.7, same: false },
    ]);
    expect(two).toEqual({ threshold: 0.2, accuracy: 0.75, pairs: 4 });
    const tie = fitThreshold([
      { distance: 0.5, same: true },
      { distance: 0.5, same: false },
      { distance: 0.5, same: true },
    ]);
    expect(tie.accuracy).toBeCloseTo(2 / 3, 10);
    expect(tie.threshold).toBeGreaterThan(0.5);
  });

  it('calls everything different when that is best, and refuses empty or non-finite input', () => {
    const f = fitThreshold([
      { distance: 0.1, same: false },
      { distance: 0.2, same: false },
    ]);
    expect(f.accuracy).toBe(1);
    expect(f.threshold).toBeLessThan(0.1);
    expect(() => fitThreshold([])).toThrow();
    try {
      fitThreshold([{ distance: Number.NaN, same: true }]);
      expect.unreachable();
    } catch (e) {
      expect(isFaceKitError(e, 'E_INPUT')).toBe(true);
    }
  });

  it('fits every metric on embedding pairs', () => {
    const pairs = [
      { a: [1, 0], b: [0.9, 0.1], same: true },
      { a: [1, 0], b: [0, 1], same: false },
      { a: [0, 2], b: [0.1, 2], same: true },
      { a: [0, 2], b: [2, 0], same: false },
    ];
    const fits = fitThresholds(pairs);
    expect(Object.keys(fits).sort()).toEqual(['cosine', 'euclidean', 'euclidean-l2', 'squared-l2']);
    for (const f of Object.values(fits)) expect(f.accuracy).toBe(1);
    expect(fits.cosine.threshold).toBeGreaterThan(0);
    expect(fits.cosine.threshold).toBeLessThan(1);
  });
});
