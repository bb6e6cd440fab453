import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../src/gradients.js'; // the training layer's gradient and kernel registrations
import { conv2dReluValid } from '../src/conv.js';
import { type LcCase, lcOut, naiveLocallyConnected, randomArray, relError, rng } from './naive.js';

// A stride-1 valid conv is a locally connected layer whose kernel is the same at every position: the naive LC
// reference with the conv kernel tiled over positions, its kernel/bias gradients summed over positions.
describe('conv2dReluValid', () => {
  it.each([
    [1, { n: 2, h: 8, w: 7, c: 3, kh: 3, kw: 4, sh: 1, sw: 1, f: 5, relu: true }],
    [2, { n: 1, h: 6, w: 6, c: 2, kh: 6, kw: 6, sh: 1, sw: 1, f: 3, relu: true }],
    [3, { n: 3, h: 12, w: 12, c: 4, kh: 5, kw: 5, sh: 1, sw: 1, f: 2, relu: true }],
  ] as Array<[number, LcCase]>)('case %i: values and gradients match the naive reference', (seed, p) => {
    const rand = rng(seed);
    const { oh, ow } = lcOut(p);
    const F = p.kh * p.kw * p.c;
    const x = randomArray(p.n * p.h * p.w * p.c, rand);
    const w = randomArray(F * p.f, rand, 1 / Math.sqrt(F)); // [kh, kw, c, f] = [(i*kw+j)*c+ch, f]
    const b = randomArray(p.f, rand, 0.3);
    const g = randomArray(p.n * oh * ow * p.f, rand);
    const P = oh * ow;
    const kTiled = new Float32Array(P * F * p.f);
    const bTiled = new Float32Array(P * p.f);
    for (let q = 0; q < P; q++) {
      kTiled.set(w, q * F * p.f);
      bTiled.set(b, q * p.f);
    }
    const ref = naiveLocallyConnected(p, x, kTiled, bTiled, g);
    const dw = new Float64Array(F * p.f);
    const db = new Float64Array(p.f);
    for (let q = 0; q < P; q++) {
      for (let i = 0; i < F * p.f; i++) dw[i] += ref.dk[q * F * p.f + i];
      for (let i = 0; i < p.f; i++) db[i] += ref.db[q * p.f + i];
    }
    const [xt, wt, bt, gt] = [
      tf.tensor4d(x, [p.n, p.h, p.w, p.c]),
      tf.tensor4d(w, [p.kh, p.kw, p.c, p.f]),
      tf.tensor1d(b),
      tf.tensor4d(g, [p.n, oh, ow, p.f]),
    ];
    const y = conv2dReluValid(xt, wt, bt);
    const grads = tf.grads((a, k, c) => tf.sum(tf.mul(conv2dReluValid(a as tf.Tensor4D, k as tf.Tensor4D, c), gt)))([
      xt,
      wt,
      bt,
    ]);
    expect(relError(y.dataSync(), ref.y)).toBeLessThanOrEqual(1e-5);
    expect(relError(grads[0].dataSync(), ref.dx)).toBeLessThanOrEqual(1e-5);
    expect(relError(grads[1].dataSync(), dw)).toBeLessThanOrEqual(1e-5);
    expect(relError(grads[2].dataSync(), db)).toBeLessThanOrEqual(1e-5);
    tf.dispose([xt, wt, bt, gt, y, ...grads]);
  });
});
