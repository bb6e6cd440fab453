import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DEEPFACE_CONFIG, deepFaceLayers, parameterCount, resolveConfig } from '../src/architecture.js';
import { DeepFaceModel } from '../src/model.js';
import { smallDeepFace } from './naive.js';

const small = smallDeepFace({ f7: 32, classes: 5 });

describe('DeepFace architecture', () => {
  it('has the published layer list, shapes and parameter count', () => {
    const layers = deepFaceLayers();
    expect(layers.map((l) => l.name)).toEqual(['C1', 'M2', 'C3', 'L4', 'L5', 'L6', 'F0', 'F7', 'D0', 'F8']);
    expect(layers.map((l) => l.outputShape)).toEqual([
      [142, 142, 32],
      [71, 71, 32],
      [63, 63, 16],
      [55, 55, 16],
      [25, 25, 16],
      [21, 21, 16],
      [7056],
      [4096],
      [4096],
      [8631],
    ]);
    const byName = Object.fromEntries(layers.map((l) => [l.name, l.weights]));
    expect(byName.L4).toEqual({ kernel: [3025, 1296, 16], bias: [55, 55, 16] });
    expect(byName.L5).toEqual({ kernel: [625, 784, 16], bias: [25, 25, 16] });
    expect(byName.L6).toEqual({ kernel: [441, 400, 16], bias: [21, 21, 16] });
    expect(byName.F7).toEqual({ kernel: [7056, 4096], bias: [4096] });
    expect(parameterCount()).toBe(137_774_071);
    expect(parameterCount({ ...DEEPFACE_CONFIG, classes: 0 })).toBe(102_412_864);
  });

  it('rejects configs whose input is too small for the kernels', () => {
    expect(() => deepFaceLayers(resolveConfig({ inputSize: [60, 60] }))).toThrow(/does not fit/);
    expect(() => resolveConfig({ dropout: 1 })).toThrow(/dropout/);
  });
});

describe('DeepFaceModel', () => {
  it('returns the requested intermediates with the right shapes', () => {
    const net = DeepFaceModel.random(small, 3);
    expect(net.parameterCount).toBe(parameterCount(small));
    const x = tf.randomUniform([2, 80, 80, 3]) as tf.Tensor4D;
    const out = net.forward(x, { outputs: ['M2', 'L4', 'L5', 'L6', 'F7', 'F8'] });
    expect(out.M2?.shape).toEqual([2, 35, 35, 4]);
    expect(out.L4?.shape).toEqual([2, 19, 19, 4]);
    expect(out.L5?.shape).toEqual([2, 7, 7, 4]);
    expect(out.L6?.shape).toEqual([2, 3, 3, 4]);
    expect(out.F7?.shape).toEqual([2, 32]);
    expect(out.F8?.shape).toEqual([2, 5]);
    tf.dispose([x, out as tf.NamedTensorMap]);
    net.dispose();
  });

  it('rejects wrong input sizes and weights of the wrong shape', () => {
    const net = DeepFaceModel.random(small, 3);
    const x = tf.zeros([1, 81, 80, 3]) as tf.Tensor4D;
    expect(() => net.forward(x)).toThrow(/expects \[n, 80, 80, 3\]/);
    expect(() => new DeepFaceModel({ ...small, f7: 16 }, net.weights)).toThrow(/layer F7/);
    x.dispose();
    net.dispose();
  });

  it('leaks no tensors across 100 forward passes', () => {
    const net = DeepFaceModel.random(small, 4);
    const x = tf.randomUniform([1, 80, 80, 3]) as tf.Tensor4D;
    net.predict(x).dispose(); // warm-up (backend-side caches)
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) net.predict(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    net.dispose();
  });
});
