import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../src/gradients.js'; // the training layer's gradient and kernel registrations
import { extractPatches, locallyConnected2d, localShapes } from '../src/locally-connected.js';
import { type LcCase, lcOut, naiveLocallyConnected, randomArray, relError, rng } from './naive.js';

const cases: LcCase[] = [
  { n: 1, h: 5, w: 5, c: 1, kh: 3, kw: 3, sh: 1, sw: 1, f: 1, relu: false },
  { n: 2, h: 7, w: 6, c: 3, kh: 3, kw: 2, sh: 1, sw: 1, f: 4, relu: true },
  { n: 3, h: 9, w: 9, c: 2, kh: 3, kw: 3, sh: 2, sw: 2, f: 3, relu: true },
  { n: 2, h: 10, w: 8, c: 2, kh: 4, kw: 3, sh: 3, sw: 2, f: 2, relu: false },
  { n: 1, h: 11, w: 11, c: 4, kh: 7, kw: 7, sh: 2, sw: 2, f: 5, relu: true }, // L5-like, offsets past the phase grid
  { n: 2, h: 6, w: 7, c: 3, kh: 6, kw: 1, sh: 1, sw: 3, f: 2, relu: false }, // kernel as tall as the input
];

function run(p: LcCase, seed: number) {
  const rand = rng(seed);
  const { oh, ow } = lcOut(p);
  const F = p.kh * p.kw * p.c;
  const x = randomArray(p.n * p.h * p.w * p.c, rand);
  const k = randomArray(oh * ow * F * p.f, rand, 1 / Math.sqrt(F));
  const b = randomArray(oh * ow * p.f, rand, 0.3);
  const g = randomArray(p.n * oh * ow * p.f, rand);
  const ref = naiveLocallyConnected(p, x, k, b, g);
  const xt = tf.tensor4d(x, [p.n, p.h, p.w, p.c]);
  const kt = tf.tensor3d(k, [oh * ow, F, p.f]);
  const bt = tf.tensor3d(b, [oh, ow, p.f]);
  const gt = tf.tensor4d(g, [p.n, oh, ow, p.f]);
  const opts = { kernelSize: [p.kh, p.kw] as [number, number], strides: [p.sh, p.sw] as [number, number] };
  const act = p.relu ? ('relu' as const) : ('linear' as const);
  const y = locallyConnected2d(xt, kt, bt, { ...opts, activation: act });
  const grads = tf.grads((xx, kk, bb) =>
    tf.sum(
      tf.mul(
        locallyConnected2d(xx as tf.Tensor4D, kk as tf.Tensor3D, bb as tf.Tensor3D, { ...opts, activation: act }),
        gt,
      ),
    ),
  )([xt, kt, bt]);
  const out = {
    shape: y.shape,
    y: y.dataSync(),
    dx: grads[0].dataSync(),
    dk: grads[1].dataSync(),
    db: grads[2].dataSync(),
  };
  tf.dispose([xt, kt, bt, gt, y, ...grads]);
  return { ref, out, oh, ow };
}

describe('locallyConnected2d', () => {
  it.each(cases.map((c, i) => [i, c] as const))(
    'case %i matches the naive reference (values and gradients)',
    (i, p) => {
      const { ref, out, oh, ow } = run(p, 1000 + i);
      expect(out.shape).toEqual([p.n, oh, ow, p.f]);
      expect(relError(out.y, ref.y)).toBeLessThanOrEqual(1e-5);
      expect(relError(out.dx, ref.dx)).toBeLessThanOrEqual(1e-5);
      expect(relError(out.dk, ref.dk)).toBeLessThanOrEqual(1e-5);
      expect(relError(out.db, ref.db)).toBeLessThanOrEqual(1e-5);
      // The gradients are not trivially zero.
      expect(Math.max(...Array.from(out.dk, Math.abs))).toBeGreaterThan(0.01);
    },
  );

  it('orders patch features as Keras does: (i*kw + j)*in_ch + ch', () => {
    // x[0, r, c, ch] = 100r + 10c + ch; patch of position (1, 0) with stride 2, kernel 2×2.
    const x = tf.tidy(() => {
      const v = [];
      for (let r = 0; r < 4; r++)
        for (let c = 0; c < 3; c++) for (let ch = 0; ch < 2; ch++) v.push(100 * r + 10 * c + ch);
      return tf.tensor4d(v, [1, 4, 3, 2]);
    });
    const p = extractPatches(x, [2, 2], [2, 2]); // out 2×1 → [2, 1, 8]
    expect(p.shape).toEqual([2, 1, 8]);
    expect(Array.from(p.dataSync().slice(8))).toEqual([200, 201, 210, 211, 300, 301, 310, 311]);
    tf.dispose([x, p]);
  });

  it('computes Keras weight shapes for DeepFace L4/L5/L6', () => {
    expect(localShapes({ input: [63, 63, 16], kernel: [9, 9], filters: 16 }).kernel).toEqual([3025, 1296, 16]);
    expect(localShapes({ input: [55, 55, 16], kernel: [7, 7], strides: [2, 2], filters: 16 })).toEqual({
      outRows: 25,
      outCols: 25,
      kernel: [625, 784, 16],
      bias: [25, 25, 16],
    });
    expect(localShapes({ input: [25, 25, 16], kernel: [5, 5], filters: 16 }).bias).toEqual([21, 21, 16]);
  });

  it('rejects weights of the wrong shape and kernels larger than the input', () => {
    const x = tf.zeros([1, 5, 5, 1]) as tf.Tensor4D;
    const k = tf.zeros([8, 9, 1]) as tf.Tensor3D;
    expect(() => locallyConnected2d(x, k, null, { kernelSize: [3, 3] })).toThrow(/does not match/);
    expect(() => localShapes({ input: [5, 5, 1], kernel: [6, 3], filters: 1 })).toThrow(/does not fit/);
    tf.dispose([x, k]);
  });

  it('leaks no tensors', () => {
    const x = tf.randomNormal([2, 9, 9, 2]) as tf.Tensor4D;
    const k = tf.randomNormal([16, 18, 3]) as tf.Tensor3D;
    const b = tf.zeros([4, 4, 3]) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      locallyConnected2d(x, k, b, { kernelSize: [3, 3], strides: [2, 2], activation: 'relu' }).dispose();
      tf.dispose(
        tf.grads((xx: tf.Tensor) =>
          tf.sum(locallyConnected2d(xx as tf.Tensor4D, k, b, { kernelSize: [3, 3], strides: [2, 2] })),
        )([x]),
      );
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, k, b]);
  });
});
