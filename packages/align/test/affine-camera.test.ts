import type { Point, Point3 } from '@facekit/core';
import { describe, expect, it } from 'vitest';
import { type AffineCamera, fitAffine3D, fitAffineCamera, GENERIC_FACE_68, projectAffine } from '../src/index.js';

/** Deterministic pseudo-random numbers in [0, 1). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('fitAffineCamera', () => {
  it('recovers a known camera exactly from the generic face', () => {
    const truth: AffineCamera = [40.1, -3.2, 17.5, 125, 2.5, 41.7, -6.1, 118];
    const image = GENERIC_FACE_68.map((p) => projectAffine(truth, p));
    const P = fitAffineCamera(GENERIC_FACE_68, image);
    for (const [i, v] of P.entries()) expect(v).toBeCloseTo(truth[i], 8);
  });

  it('is the least-squares fit for noisy points', () => {
    const r = rng(7);
    const truth: AffineCamera = [30, 1, 10, 100, -1, 31, 4, 90];
    const image = GENERIC_FACE_68.map((p): Point => {
      const [x, y] = projectAffine(truth, p);
      return [x + (r() - 0.5) * 4, y + (r() - 0.5) * 4];
    });
    const P = fitAffineCamera(GENERIC_FACE_68, image);
    const cost = (Q: readonly number[]) =>
      GENERIC_FACE_68.reduce((a, p, i) => {
        const [x, y] = projectAffine(Q as unknown as AffineCamera, p);
        return a + (x - image[i][0]) ** 2 + (y - image[i][1]) ** 2;
      }, 0);
    const best = cost(P);
    for (let k = 0; k < 8; k++) {
      for (const e of [-0.01, 0.01]) expect(cost(P.map((v, i) => (i === k ? v + e : v)))).toBeGreaterThan(best);
    }
    // The noise is what is left: the residual RMS is close to the noise RMS (uniform ±2 → 2/√3 per axis).
    expect(Math.sqrt(best / (2 * image.length))).toBeLessThan(1.3);
  });

  it('fits 3D → 3D affine maps (used for the mesh depth)', () => {
    const r = rng(3);
    const pts: Point3[] = Array.from({ length: 20 }, () => [r(), r(), r()]);
    const A = [
      [1, 2, 3, 4],
      [0, 1, -1, 2],
      [0.5, 0, 2, -1],
    ];
    const out = pts.map((p) => A.map((row) => row[0] * p[0] + row[1] * p[1] + row[2] * p[2] + row[3]));
    const fit = fitAffine3D(pts, out, 3);
    for (const [i, row] of fit.entries()) for (const [j, v] of row.entries()) expect(v).toBeCloseTo(A[i][j], 9);
  });

  it('rejects coplanar or too few points with E_INPUT', () => {
    const flat: Point3[] = GENERIC_FACE_68.map(([x, y]) => [x, y, 0]);
    expect(() =>
      fitAffineCamera(
        flat,
        flat.map(([x, y]): Point => [x, y]),
      ),
    ).toThrow(expect.objectContaining({ code: 'E_INPUT' }));
    expect(() =>
      fitAffineCamera(GENERIC_FACE_68.slice(0, 3), [
        [0, 0],
        [1, 0],
        [0, 1],
      ]),
    ).toThrow(expect.objectContaining({ code: 'E_INPUT' }));
  });
});
