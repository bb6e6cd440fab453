import type { Face, Point } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  SimilarityAligner,
  applySimilarity,
  estimateSimilarity,
  invertSimilarity,
  warpSimilarity,
} from '../src/index.js';

const close = (p: Point, q: Point, eps: number) => {
  expect(Math.abs(p[0] - q[0])).toBeLessThan(eps);
  expect(Math.abs(p[1] - q[1])).toBeLessThan(eps);
};

/** Intensity-weighted centroid of a single-channel blob in an [h, w, 3] image. */
function centroid(img: tf.Tensor3D): Point {
  const [h, w] = img.shape;
  const d = img.dataSync();
  let sx = 0;
  let sy = 0;
  let s = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = d[(y * w + x) * 3];
      sx += v * x;
      sy += v * y;
      s += v;
    }
  return [sx / s, sy / s];
}

/** A black image with a bright Gaussian blob centred at (cx, cy). */
function blob(h: number, w: number, cx: number, cy: number, sigma: number): tf.Tensor3D {
  const data = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = 255 * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma * sigma));
      data.set([v, v, v], (y * w + x) * 3);
    }
  return tf.tensor3d(data, [h, w, 3]);
}

describe('estimateSimilarity (Umeyama)', () => {
  it('recovers a known rotation, scale and translation exactly', () => {
    const theta = 0.3;
    const s = 1.7;
    const truth = { a: s * Math.cos(theta), b: s * Math.sin(theta), tx: 12.5, ty: -4 };
    const src: Point[] = [
      [10, 20],
      [40, 22],
      [25, 35],
      [14, 50],
      [38, 49],
    ];
    const dst = src.map((p) => applySimilarity(truth, p));
    const t = estimateSimilarity(src, dst);
    expect(t.a).toBeCloseTo(truth.a, 9);
    expect(t.b).toBeCloseTo(truth.b, 9);
    expect(t.tx).toBeCloseTo(truth.tx, 9);
    expect(t.ty).toBeCloseTo(truth.ty, 9);
    const back = invertSimilarity(t);
    close(applySimilarity(back, dst[2]), src[2], 1e-9);
  });

  it('is the least-squares fit for noisy points (residual smaller than any perturbed fit)', () => {
    const src: Point[] = [
      [0, 0],
      [10, 0],
      [5, 8],
      [0, 12],
    ];
    const dst: Point[] = [
      [1, 1],
      [21, 2],
      [10, 17],
      [-1, 25],
    ];
    const t = estimateSimilarity(src, dst);
    const cost = (u: typeof t) =>
      src.reduce((a, p, i) => {
        const q = applySimilarity(u, p);
        return a + (q[0] - dst[i][0]) ** 2 + (q[1] - dst[i][1]) ** 2;
      }, 0);
    const best = cost(t);
    for (const k of ['a', 'b', 'tx', 'ty'] as const) {
      for (const e of [-0.01, 0.01]) expect(cost({ ...t, [k]: t[k] + e })).toBeGreaterThan(best);
    }
  });

  it('rejects degenerate input with E_INPUT', () => {
    expect(() =>
      estimateSimilarity(
        [
          [1, 1],
          [1, 1],
        ],
        [
          [0, 0],
          [1, 1],
        ],
      ),
    ).toThrow(expect.objectContaining({ code: 'E_INPUT' }));
  });
});

describe('warpSimilarity', () => {
  it('moves a blob to where the similarity sends it', () => {
    const img = blob(120, 160, 50, 40, 3);
    const t = { a: 0.8 * Math.cos(0.4), b: 0.8 * Math.sin(0.4), tx: 20, ty: 5 };
    const out = warpSimilarity(img, t, [100, 100]);
    close(centroid(out), applySimilarity(t, [50, 40]), 0.3);
    tf.dispose([img, out]);
  });

  it('keeps positions right when it pre-filters a strong downscale', () => {
    const img = blob(800, 800, 300, 500, 20);
    const t = { a: 0.1, b: 0, tx: 5, ty: 2 };
    const out = warpSimilarity(img, t, [90, 90]);
    close(centroid(out), applySimilarity(t, [300, 500]), 0.3);
    tf.dispose([img, out]);
  });
});

describe('SimilarityAligner', () => {
  it('puts the face points on the template and does not leak', async () => {
    const img = blob(200, 200, 70, 90, 2.5);
    const template = {
      size: [112, 112] as [number, number],
      source: 'five' as const,
      points: [
        [38.29, 51.69],
        [73.53, 51.5],
        [56.02, 71.73],
        [41.55, 92.36],
        [70.73, 92.2],
      ] as Point[],
    };
    // A face whose left eye is at the blob; the rest placed by a known similarity.
    const truth = { a: 0.9, b: 0.2, tx: -20, ty: -30 };
    const inv = invertSimilarity(truth);
    const five = template.points.map((p) => applySimilarity(inv, p)) as Face['five'];
    const shift = [70 - five![0][0], 90 - five![0][1]];
    const face: Face = {
      box: { x: 40, y: 60, width: 80, height: 80 },
      score: 1,
      detector: 'test',
      five: five!.map((p) => [p[0] + shift[0], p[1] + shift[1]]) as Face['five'],
    };
    const aligner = new SimilarityAligner();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) aligner.align(img, face, template).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const out = aligner.align(img, face, template);
    expect(out.shape).toEqual([112, 112, 3]);
    close(centroid(out), template.points[0] as Point, 0.3);
    tf.dispose([img, out]);
  });
});
