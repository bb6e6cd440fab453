// The one filter-gradient kernel (a dilated forward conv on the backend's own Conv2D): as wasm's Conv2DBackpropFilter
// through tfjs' Conv2D gradient, and as conv2dFilterGrad on cpu, against the cpu backend's own Conv2DBackpropFilter,
// on the shapes FaceNet-family networks use.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, describe, expect, it } from 'vitest';
import { conv2dFilterGrad, registerTrainingKernels } from '../src/training/index.js';

registerTrainingKernels();

interface Case {
  x: [number, number, number, number];
  kernel: [number, number];
  filters: number;
  strides: number;
  pad: 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
}

const cases: Case[] = [
  { x: [2, 9, 9, 3], kernel: [3, 3], filters: 4, strides: 1, pad: 'valid' },
  { x: [2, 10, 11, 3], kernel: [3, 3], filters: 5, strides: 2, pad: 'valid' }, // Inception's stride-2 reductions
  { x: [1, 12, 12, 4], kernel: [7, 7], filters: 3, strides: 2, pad: 'valid' }, // OpenFace conv1 (after its pad)
  { x: [3, 8, 8, 6], kernel: [1, 7], filters: 4, strides: 1, pad: 'same' }, // Block17's 1×7
  { x: [2, 7, 9, 5], kernel: [3, 1], filters: 2, strides: 1, pad: 'same' }, // Block8's 3×1
  { x: [2, 9, 9, 2], kernel: [3, 3], filters: 3, strides: 2, pad: 'same' },
  { x: [2, 6, 6, 8], kernel: [1, 1], filters: 8, strides: 1, pad: 0 },
  { x: [2, 8, 9, 3], kernel: [3, 2], filters: 4, strides: 2, pad: 1 },
  { x: [1, 11, 11, 2], kernel: [5, 5], filters: 3, strides: 3, pad: 'same' },
  {
    x: [2, 9, 8, 3],
    kernel: [3, 3],
    filters: 2,
    strides: 2,
    pad: [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  },
];

/** dL/dw of L = Σ conv2d(x, w) · g (a fixed random upstream gradient), on the given backend. */
async function filterGradient(backend: string, c: Case, seed: number): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', seed) as tf.Tensor4D;
    const w = tf.randomNormal([...c.kernel, c.x[3], c.filters], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
    const outShape = tf.conv2d(x, w, c.strides, c.pad).shape;
    const g = tf.randomNormal(outShape, 0, 1, 'float32', seed + 2);
    const dw = tf.grad((v) => tf.sum(tf.mul(tf.conv2d(x, v as tf.Tensor4D, c.strides, c.pad), g)))(w);
    return dw.dataSync() as Float32Array;
  });
}

/** Same length, and the largest difference within 1e-5 of the reference's largest magnitude. */
function expectClose(got: Float32Array, ref: Float32Array): void {
  expect(got.length).toBe(ref.length);
  const scale = Math.max(...ref.map(Math.abs));
  expect(Math.max(...got.map((v, k) => Math.abs(v - ref[k]))) / scale).toBeLessThan(1e-5);
}

describe('Conv2DBackpropFilter on wasm', () => {
  const initial = tf.getBackend();
  afterAll(async () => {
    await tf.setBackend(initial);
  });

  it('is registered for wasm once (a second call keeps the first registration)', () => {
    const first = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    expect(first).toBeDefined();
    registerTrainingKernels();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBe(first);
  });

  it.each(cases.map((c, i) => [i, c] as const))(
    'case %i: wasm (through tfjs gradient) and cpu (conv2dFilterGrad) match the cpu reference',
    async (i, c) => {
      const ref = await filterGradient('cpu', c, 10 * i + 1);
      await tf.setBackend('wasm');
      let before = tf.memory().numTensors;
      const buffers = tf.engine().backend.numDataIds(); // the kernel's temporaries live below the engine's count
      expectClose(await filterGradient('wasm', c, 10 * i + 1), ref);
      expect(tf.memory().numTensors).toBe(before);
      expect(tf.engine().backend.numDataIds()).toBe(buffers);
      // The same kernel on cpu, called directly, with the same x, w and upstream gradient as the reference.
      await tf.setBackend('cpu');
      before = tf.memory().numTensors;
      const got = tf.tidy(() => {
        const x = tf.randomNormal(c.x, 0, 1, 'float32', 10 * i + 1) as tf.Tensor4D;
        const shape: [number, number, number, number] = [...c.kernel, c.x[3], c.filters];
        const w = tf.randomNormal(shape, 0, 1, 'float32', 10 * i + 2) as tf.Tensor4D;
        const dy = tf.randomNormal(tf.conv2d(x, w, c.strides, c.pad).shape, 0, 1, 'float32', 10 * i + 3);
        return conv2dFilterGrad(x, dy as tf.Tensor4D, shape, c.strides, c.pad as 'valid' | 'same' | number).dataSync();
      });
      expect(tf.memory().numTensors).toBe(before);
      expectClose(got as Float32Array, ref);
    },
  );
});
