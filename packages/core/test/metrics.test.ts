import { describe, expect, it } from 'vitest';
import { FaceKitError, compareEmbeddings, distance, l2Normalize, vectorDistance } from '../src/index.js';

describe('metrics', () => {
  const a = new Float32Array([3, 4]);
  const b = new Float32Array([4, 3]);
  it('computes each metric by hand', () => {
    expect(vectorDistance(a, b, 'euclidean')).toBeCloseTo(Math.SQRT2, 6);
    expect(vectorDistance(a, b, 'cosine')).toBeCloseTo(1 - 24 / 25, 6);
    expect(vectorDistance(a, b, 'squared-l2')).toBeCloseTo(2 - 2 * (24 / 25), 6);
    expect(vectorDistance(a, b, 'euclidean-l2')).toBeCloseTo(Math.sqrt(2 - 2 * (24 / 25)), 6);
    expect(Array.from(l2Normalize(a))).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
  });
  it('refuses embeddings of different embedders or dimensions', () => {
    expect(() => distance({ vector: a, embedder: 'x' }, { vector: b, embedder: 'y' }, 'cosine')).toThrowError(
      FaceKitError,
    );
    try {
      distance({ vector: a, embedder: 'x' }, { vector: new Float32Array(3), embedder: 'x' }, 'cosine');
      expect.unreachable();
    } catch (e) {
      expect((e as FaceKitError).code).toBe('E_EMBEDDING_MISMATCH');
    }
  });
  it('verifies against the threshold with a confidence of 0.5 at the threshold', () => {
    const spec = { name: 'x', thresholds: { cosine: 0.05 }, defaultMetric: 'cosine' as const };
    const v = compareEmbeddings({ vector: a, embedder: 'x' }, { vector: b, embedder: 'x' }, spec);
    expect(v.verified).toBe(true);
    expect(v.confidence).toBeGreaterThan(0.5);
    const w = compareEmbeddings({ vector: a, embedder: 'x' }, { vector: b, embedder: 'x' }, spec, { threshold: 0.01 });
    expect(w.verified).toBe(false);
    expect(w.confidence).toBeLessThan(0.5);
    const at = compareEmbeddings({ vector: a, embedder: 'x' }, { vector: b, embedder: 'x' }, spec, { threshold: 0.04 });
    expect(at.distance).toBeCloseTo(0.04, 6);
    expect(() =>
      compareEmbeddings({ vector: a, embedder: 'x' }, { vector: b, embedder: 'x' }, spec, { metric: 'euclidean' }),
    ).toThrow(/no default threshold/);
  });
});
