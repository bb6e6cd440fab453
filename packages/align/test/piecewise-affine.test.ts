import type { Point } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  applySimilarity,
  invertSimilarity,
  planPiecewiseAffine,
  sampleBilinear,
  signedArea,
  symmetricTriangulation,
  triangulate,
  triangleWeights,
  warpPiecewiseAffine,
  warpSimilarity,
} from '../src/index.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A random int32 image [h, w, 3]. */
function noiseImage(h: number, w: number, seed: number): tf.Tensor3D {
  const r = rng(seed);
  return tf.tensor3d(
    Int32Array.from({ length: h * w * 3 }, () => Math.floor(r() * 256)),
    [h, w, 3],
    'int32',
  );
}

/** Vertices on a grid spanning [x0, x1] × [y0, y1]. */
function grid(x0: number, x1: number, y0: number, y1: number, nx: number, ny: number): Point[] {
  const pts: Point[] = [];
  for (let j = 0; j <= ny; j++)
    for (let i = 0; i <= nx; i++) pts.push([x0 + ((x1 - x0) * i) / nx, y0 + ((y1 - y0) * j) / ny]);
  return pts;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('symmetricTriangulation', () => {
  it('tiles the hull with mirror-image triangles that never cross the axis', () => {
    const r = rng(11);
    const pts: Point[] = [
      [0, -3],
      [0, 3],
      [0, 0.4],
      [-3, -3],
      [3, -3],
      [-3, 3],
      [3, 3],
    ];
    for (let k = 0; k < 12; k++) {
      const p: Point = [-(0.2 + r() * 2.6), r() * 5.6 - 2.8];
      pts.push(p, [-p[0], p[1]]);
    }
    const mirrorOf = pts.map((p) => pts.findIndex((q) => q[0] === -p[0] && q[1] === p[1]));
    const { triangles, mirror } = symmetricTriangulation(pts, mirrorOf);
    const nt = triangles.length / 3;
    let area = 0;
    for (let t = 0; t < nt; t++) {
      const v = [0, 1, 2].map((k) => triangles[3 * t + k]);
      area += Math.abs(signedArea(pts[v[0]], pts[v[1]], pts[v[2]])) / 2;
      const xs = v.map((i) => pts[i][0]);
      expect(Math.min(...xs) < 0 && Math.max(...xs) > 0).toBe(false);
      const m = [0, 1, 2].map((k) => triangles[3 * mirror[t] + k]).sort();
      expect(m).toEqual(v.map((i) => mirrorOf[i]).sort());
      expect(mirror[mirror[t]]).toBe(t);
    }
    expect(area).toBeCloseTo(36, 9); // the 6 × 6 square
  });

  it('rejects points that are not mirror images', () => {
    expect(() =>
      symmetricTriangulation(
        [
          [-1, 0],
          [1, 0.1],
          [0, 1],
        ],
        [1, 0, 2],
      ),
    ).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
  });
});

describe('planPiecewiseAffine', () => {
  it('finds the triangle of every output pixel', () => {
    const layout = grid(-2, 33, -2, 25, 5, 4);
    layout.push([14.3, 9.7], [7.1, 18.2]);
    const tris = triangulate(layout);
    const plan = planPiecewiseAffine(layout, tris, [24, 32]);
    const nt = tris.length / 3;
    for (let y = 0; y < 24; y++) {
      for (let x = 0; x < 32; x++) {
        const t = plan.pixelTriangle[y * 32 + x];
        expect(t).toBeLessThan(nt);
        const [a, b, c] = [0, 1, 2].map((k) => layout[tris[3 * t + k]]);
        const s = Math.sign(signedArea(a, b, c));
        for (const [p, q] of [
          [a, b],
          [b, c],
          [c, a],
        ]) {
          expect(s * signedArea(p, q, [x, y])).toBeGreaterThanOrEqual(-1e-9);
        }
      }
    }
  });
});

describe('warpPiecewiseAffine', () => {
  it('equals the global similarity warp when every triangle has the same map', () => {
    const img = noiseImage(60, 80, 1);
    const T = { a: 0.9 * Math.cos(0.3), b: 0.9 * Math.sin(0.3), tx: -8, ty: 4 }; // image → output
    const layout = grid(-5, 55, -5, 45, 6, 5);
    const plan = planPiecewiseAffine(layout, triangulate(layout), [40, 50]);
    const sources = layout.map((p) => applySimilarity(invertSimilarity(T), p));
    const out = warpPiecewiseAffine(tf.expandDims(img, 0) as tf.Tensor4D, plan, [sources]);
    const ref = warpSimilarity(img, T, [40, 50]);
    expect(out.shape).toEqual([1, 40, 50, 3]);
    expect(maxAbsDiff(out.dataSync(), ref.dataSync())).toBeLessThan(0.05);
    tf.dispose([img, out, ref]);
  });

  it('maps each triangle by its own affine (a point in each half lands where its map sends it)', () => {
    // Output 40 × 40; the left half samples the image at (x, y), the right half at (x + 10, y) (stretched: the
    // vertices on the axis stay, the right border moves).
    const layout: Point[] = [
      [-1, -1],
      [20, -1],
      [41, -1],
      [-1, 41],
      [20, 41],
      [41, 41],
    ];
    const tris = Uint32Array.from([0, 1, 3, 1, 4, 3, 1, 2, 4, 2, 5, 4]);
    const plan = planPiecewiseAffine(layout, tris, [40, 40]);
    const sources: Point[] = layout.map(([x, y]) => [x > 30 ? x + 21 : x, y]);
    const img = tf.tidy(() => tf.cast(tf.reshape(tf.range(0, 80 * 40 * 3), [40, 80, 3]), 'float32')) as tf.Tensor3D;
    const out = warpPiecewiseAffine(tf.expandDims(img, 0) as tf.Tensor4D, plan, [sources], { occluded: 'keep' });
    const d = out.dataSync();
    const at = (x: number, y: number) => d[(y * 40 + x) * 3];
    const src = (x: number, y: number) => (y * 80 + x) * 3;
    expect(at(10, 5)).toBeCloseTo(src(10, 5), 2);
    // Right half: x ↦ 20 + (x − 20) · (62 − 20) / 21 = 2x − 20.
    expect(at(30, 7)).toBeCloseTo(src(40, 7), 2);
    expect(at(35, 7)).toBeCloseTo(src(50, 7), 2);
    tf.dispose([img, out]);
  });

  /** A symmetric 21 × 21 layout (axis x = 10) whose right-most column of triangles is turned away. */
  function flippedRightColumn() {
    const model: Point[] = [];
    for (const y of [-11, 0, 11]) for (const x of [-11, -5, 0, 5, 11]) model.push([x, y]);
    const mirrorOf = model.map((p) => model.findIndex((q) => q[0] === -p[0] && q[1] === p[1]));
    const { triangles, mirror } = symmetricTriangulation(model, mirrorOf);
    const layout = model.map(([x, y]): Point => [x + 10, y + 10]);
    const plan = planPiecewiseAffine(layout, triangles, [21, 21], {
      mirror: { triangle: mirror, reflect: [-1, 0, 20, 0, 1, 0] },
    });
    // Identity, except the column at layout x = 15 moves past the border column: the triangles in [15, 21] flip.
    const sources = layout.map(([x, y]): Point => [x === 15 ? 23 : x, y]);
    return { plan, sources };
  }

  it('fills turned-away triangles from their mirror image, or marks them black', () => {
    const { plan, sources } = flippedRightColumn();
    const img = noiseImage(21, 21, 5);
    const batch = tf.expandDims(img, 0) as tf.Tensor4D;
    const pix = img.arraySync();
    const mirrored = warpPiecewiseAffine(batch, plan, [sources]).arraySync()[0];
    const black = warpPiecewiseAffine(batch, plan, [sources], { occluded: 'black' }).arraySync()[0];
    const kept = warpPiecewiseAffine(batch, plan, [sources], { occluded: 'keep' }).arraySync()[0];
    let checked = 0;
    for (let y = 1; y < 20; y++) {
      for (let x = 17; x <= 20; x++) {
        for (let c = 0; c < 3; c++) {
          expect(mirrored[y][x][c]).toBeCloseTo(pix[y][20 - x][c], 3);
          expect(black[y][x][c]).toBe(0);
        }
        checked++;
      }
      // Left half untouched by all three.
      for (let c = 0; c < 3; c++) expect(black[y][3][c]).toBeCloseTo(pix[y][3][c], 3);
    }
    expect(checked).toBe(76);
    // 'keep' samples the turned-away triangles anyway: here past the image's right edge (reversed), so black.
    expect(kept[10][18]).toEqual([0, 0, 0]);
    expect(kept[10][3]).toEqual(pix[10][3]);
    const w = triangleWeights(plan, sources, { occluded: 'black' });
    expect(w.ownWeight.filter((v, t) => v === 0 && t < plan.triangles.length / 3).length).toBe(4);
    tf.dispose([img, batch]);
  });

  it('warps a batch like its items one by one, and does not leak', () => {
    const imgs = [noiseImage(30, 40, 2), noiseImage(30, 40, 3)];
    const layout = grid(-3, 27, -3, 27, 4, 4);
    const plan = planPiecewiseAffine(layout, triangulate(layout), [24, 24]);
    const sources = [
      layout.map(([x, y]): Point => [x * 1.2 + 3, y * 0.9 + 2]),
      layout.map(([x, y]): Point => [x + 0.1 * y + 5, y - 0.05 * x + 1]),
    ];
    const stacked = tf.stack(imgs) as tf.Tensor4D;
    const both = warpPiecewiseAffine(stacked, plan, sources);
    const one = sources.map((s, i) => warpPiecewiseAffine(tf.expandDims(imgs[i], 0) as tf.Tensor4D, plan, [s]));
    const d = both.dataSync();
    const half = d.length / 2;
    expect(maxAbsDiff(d.subarray(0, half), one[0].dataSync())).toBeLessThan(1e-3);
    expect(maxAbsDiff(d.subarray(half), one[1].dataSync())).toBeLessThan(1e-3);
    tf.dispose([both, ...one]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) warpPiecewiseAffine(stacked, plan, sources).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([stacked, ...imgs]);
  });

  it('box-filters a strong downscale and keeps positions right', () => {
    // An 800 × 800 image with a Gaussian blob at (300, 500), shrunk 10×.
    const data = new Float32Array(800 * 800 * 3);
    for (let y = 0; y < 800; y++)
      for (let x = 0; x < 800; x++) {
        const v = 255 * Math.exp(-((x - 300) ** 2 + (y - 500) ** 2) / (2 * 20 * 20));
        data.fill(v, (y * 800 + x) * 3, (y * 800 + x) * 3 + 3);
      }
    const img = tf.tensor4d(data, [1, 800, 800, 3]);
    const layout = grid(-5, 95, -5, 95, 3, 3);
    const plan = planPiecewiseAffine(layout, triangulate(layout), [90, 90]);
    const out = warpPiecewiseAffine(img, plan, [layout.map(([x, y]): Point => [10 * x + 5, 10 * y + 2])]);
    const d = out.dataSync();
    let sx = 0;
    let sy = 0;
    let s = 0;
    for (let i = 0; i < 90 * 90; i++) {
      sx += d[3 * i] * (i % 90);
      sy += d[3 * i] * Math.floor(i / 90);
      s += d[3 * i];
    }
    expect(Math.abs(sx / s - 29.5)).toBeLessThan(0.3);
    expect(Math.abs(sy / s - 49.8)).toBeLessThan(0.3);
    tf.dispose([img, out]);
  });
});

describe('sampleBilinear', () => {
  it('matches a reference bilinear interpolation, black outside the image', () => {
    const [h, w] = [7, 9];
    const img = noiseImage(h, w, 9);
    const pix = img.arraySync();
    const r = rng(4);
    const pts = Array.from({ length: 40 }, () => [r() * (w + 2) - 1.5, r() * (h + 2) - 1.5, Math.floor(r() * 3)]);
    const ref = pts.map(([x, y, c]) => {
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      let v = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ]) {
        const xi = x0 + dx;
        const yi = y0 + dy;
        if (xi < 0 || yi < 0 || xi >= w || yi >= h) continue;
        v += (dx ? x - x0 : 1 - (x - x0)) * (dy ? y - y0 : 1 - (y - y0)) * pix[yi][xi][c];
      }
      return v;
    });
    const out = tf.tidy(() =>
      sampleBilinear(
        tf.reshape(img, [h * w * 3, 1]),
        tf.tensor1d(pts.map((p) => p[0])),
        tf.tensor1d(pts.map((p) => p[1])),
        h,
        w,
      ),
    );
    expect(out.shape).toEqual([3, 40]);
    const rgb = out.arraySync();
    expect(
      maxAbsDiff(
        pts.map(([, , c], i) => rgb[c][i]),
        ref,
      ),
    ).toBeLessThan(1e-3);
    tf.dispose([img, out]);
  });
});
