import { describe, expect, it } from 'vitest';
import { assertMaxPixels, DEFAULT_MAX_PIXELS, describeInput, isFaceKitError } from '../src/index.js';

describe('pixel limit', () => {
  it('accepts numbers ≥ 1 and Infinity, refuses the rest with E_CONFIG', () => {
    expect(DEFAULT_MAX_PIXELS).toBe(50_000_000);
    for (const ok of [1, 1.5, DEFAULT_MAX_PIXELS, Number.POSITIVE_INFINITY])
      expect(() => assertMaxPixels(ok)).not.toThrow();
    for (const bad of [0, 0.5, -5, Number.NaN, '100', undefined, null]) {
      try {
        assertMaxPixels(bad);
        expect.unreachable();
      } catch (e) {
        expect(isFaceKitError(e, 'E_CONFIG')).toBe(true);
      }
    }
  });

  it('names inputs by class, null or typeof', () => {
    expect(describeInput(new Map())).toBe('Map');
    expect(describeInput(Object.create(null))).toBe('object');
    expect(describeInput(null)).toBe('null');
    expect(describeInput(42)).toBe('number');
    expect(describeInput(undefined)).toBe('undefined');
  });
});
