// The behaviour every bundled graph-model embedder owes its callers, as one set of tests per embedder.
import { type Embedder, isFaceKitError, type ModelContext } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { maxAbsDiff } from './helpers.js';

export interface GraphEmbedderUnderTest {
  embedder: () => Embedder;
  load: (ctx: ModelContext) => Promise<Embedder>;
  modelFile: string;
  size: number;
  dim: number;
  leakReps: number;
}

/**
 * Unit vectors of the right length, deterministic, batch = single; E_INPUT on a wrong shape; no vectors for an empty
 * batch; no leaked tensors; E_WEIGHTS_FORMAT for a file that is not the model.
 */
export function graphEmbedderContract(t: GraphEmbedderUnderTest): void {
  const { size, dim } = t;
  it(`gives ${dim}-D unit vectors, deterministically, the same in a batch as alone`, async () => {
    const net = t.embedder();
    const faces = tf.randomUniform([2, size, size, 3], 0, 255, 'float32', 9) as tf.Tensor4D;
    try {
      const batch = await net.embed(faces);
      const again = await net.embed(faces);
      expect(batch).toHaveLength(2);
      for (let i = 0; i < 2; i++) {
        expect(batch[i]).toHaveLength(dim);
        expect(Math.hypot(...batch[i])).toBeCloseTo(1, 5);
        expect(Array.from(again[i])).toEqual(Array.from(batch[i]));
        const one = tf.slice(faces, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
        const [single] = await net.embed(one);
        one.dispose();
        expect(maxAbsDiff(single, batch[i])).toBeLessThan(1e-4);
      }
      expect(maxAbsDiff(batch[0], batch[1])).toBeGreaterThan(1e-6);
    } finally {
      faces.dispose();
    }
  });

  it(`rejects faces that are not [n, ${size}, ${size}, 3] (E_INPUT) and answers an empty batch with no vectors`, async () => {
    const net = t.embedder();
    const wrong = tf.zeros([1, size + 8, size + 8, 3]) as tf.Tensor4D;
    try {
      await net.embed(wrong);
      expect.unreachable();
    } catch (e) {
      expect(isFaceKitError(e, 'E_INPUT')).toBe(true);
    } finally {
      wrong.dispose();
    }
    const empty = tf.zeros([0, size, size, 3]) as tf.Tensor4D;
    expect(await net.embed(empty)).toEqual([]);
    empty.dispose();
  });

  it(`leaks no tensors across ${t.leakReps} embeds`, async () => {
    const net = t.embedder();
    const face = tf.randomUniform([1, size, size, 3], 0, 255, 'float32', 1) as tf.Tensor4D;
    await net.embed(face);
    const before = tf.memory().numTensors;
    for (let i = 0; i < t.leakReps; i++) await net.embed(face);
    expect(tf.memory().numTensors).toBe(before);
    face.dispose();
  });

  it('fails to load a file that is not the model with E_WEIGHTS_FORMAT', async () => {
    const ctx = {
      files: async (p: string) => (p === t.modelFile ? new TextEncoder().encode('{}') : new Uint8Array()),
    };
    try {
      await t.load(ctx);
      expect.unreachable();
    } catch (e) {
      expect(isFaceKitError(e, 'E_WEIGHTS_FORMAT')).toBe(true);
    }
  });
}
