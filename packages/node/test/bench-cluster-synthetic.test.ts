import { describe, expect, it } from 'vitest';
import { benchClusterSynthetic, LFW_DLIB_FIT, syntheticFaces } from '../src/entries/bench.js';

describe('synthetic faces for the clustering bench', () => {
  it('plants heavy-tailed identities with LFW-like distances, the same for a seed', () => {
    const a = syntheticFaces(4000, LFW_DLIB_FIT, 3);
    const b = syntheticFaces(4000, LFW_DLIB_FIT, 3);
    expect(Array.from(a.vectors.subarray(0, 256))).toEqual(Array.from(b.vectors.subarray(0, 256)));
    const sizes = new Map<number, number>();
    for (const p of a.person) sizes.set(p, (sizes.get(p) ?? 0) + 1);
    const singletons = [...sizes.values()].filter((s) => s === 1).length;
    // Zipf α = 2.4: most people have one photo (LFW: 71 %), a few have many.
    expect(singletons / sizes.size).toBeGreaterThan(0.6);
    expect(Math.max(...sizes.values())).toBeGreaterThan(20);
    for (let i = 0; i < a.n; i += 97) {
      expect(Math.hypot(...a.vectors.subarray(i * a.dim, (i + 1) * a.dim))).toBeCloseTo(1, 5);
    }
    // Same-person and different-person cosine distances near the fitted LFW means (0.044, 0.154–0.162).
    let same = 0;
    let sameN = 0;
    let diff = 0;
    let diffN = 0;
    const dot = (i: number, j: number) => {
      let s = 0;
      for (let t = 0; t < a.dim; t++) s += a.vectors[i * a.dim + t] * a.vectors[j * a.dim + t];
      return s;
    };
    for (let i = 0; i < 1500; i++) {
      for (let j = i + 1; j < 1500; j++) {
        if (a.person[i] === a.person[j]) {
          same += 1 - dot(i, j);
          sameN++;
        } else if ((i + j) % 13 === 0) {
          diff += 1 - dot(i, j);
          diffN++;
        }
      }
    }
    expect(same / sameN).toBeGreaterThan(0.03);
    expect(same / sameN).toBeLessThan(0.06);
    expect(diff / diffN).toBeGreaterThan(0.14);
    expect(diff / diffN).toBeLessThan(0.19);
  });

  it('benchClusterSynthetic prints size and per-method seconds, peak RSS and BCubed scores', async () => {
    const r = await benchClusterSynthetic({ size: 3000, methods: ['ivf-knn', 'full-agglomerative'] });
    expect(r.size).toBe(3000);
    for (const m of ['ivf-knn', 'full-agglomerative'] as const) {
      const x = r.methods[m]!;
      expect(x.seconds).toBeGreaterThan(0);
      expect(x.peakRssMiB).toBeGreaterThan(10);
      expect(x.f1).toBeGreaterThan(0.8);
      expect(x.f1).toBeCloseTo((2 * x.precision * x.recall) / (x.precision + x.recall), 6);
    }
  });
});
