import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/architecture.js';
import { type Checkpoint, collectCheckpoint, modelFromCheckpoint } from '../src/checkpoint.js';
import { learningRateAt } from '../src/schedule.js';
import { epochPermutation, type TrainProgress, tensorDataset, trainClassifier } from '../src/train.js';
import { relError } from './naive.js';

const tiny = resolveConfig({
  inputSize: [72, 72],
  c1: { filters: 4, kernel: 11 },
  c3: { filters: 4, kernel: 9 },
  l4: { filters: 4, kernel: 9 },
  l5: { filters: 4, kernel: 7, stride: 2 },
  l6: { filters: 4, kernel: 5 },
  f7: 16,
  classes: 3,
});

/** 12 synthetic images of 3 classes (class = dominant colour channel + noise), 0..255. */
function synthetic(): { images: tf.Tensor4D; labels: number[] } {
  return tf.tidy(() => {
    const labels = Array.from({ length: 12 }, (_, i) => i % 3);
    const base = tf.reshape(tf.mul(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), 150), [12, 1, 1, 3]);
    const noise = tf.randomUniform([12, 72, 72, 3], 0, 100, 'float32', 7);
    return { images: tf.add(base, noise) as tf.Tensor4D, labels };
  });
}

describe('learning-rate schedules', () => {
  const at = (s: Parameters<typeof learningRateAt>[0], step: number) =>
    learningRateAt(s, { step, totalSteps: 101, epoch: 0 });
  it('decays from 0.01 to 0.001 by default shapes', () => {
    expect(at({ from: 0.01, to: 0.001 }, 0)).toBeCloseTo(0.01, 12);
    expect(at({ from: 0.01, to: 0.001 }, 50)).toBeCloseTo(0.01 / Math.sqrt(10), 12);
    expect(at({ from: 0.01, to: 0.001 }, 100)).toBeCloseTo(0.001, 12);
    expect(at({ from: 0.01, to: 0.001, kind: 'linear' }, 50)).toBeCloseTo(0.0055, 12);
    expect(at({ from: 0.01, to: 0.001, kind: 'step', drops: 1 }, 49)).toBe(0.01);
    expect(at({ from: 0.01, to: 0.001, kind: 'step', drops: 1 }, 51)).toBeCloseTo(0.001, 12);
    expect(at({ from: 0.01, to: 0.0001, kind: 'step', drops: 2 }, 40)).toBeCloseTo(0.001, 12);
    expect(at((p) => 0.1 / (1 + p.step), 9)).toBeCloseTo(0.01, 12);
    expect(() => at(-1, 0)).toThrow(/learning rate/);
  });
  it('shuffles deterministically per epoch', () => {
    const a = epochPermutation(20, 3, 0);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(epochPermutation(20, 3, 0)).toEqual(a);
    expect(epochPermutation(20, 3, 1)).not.toEqual(a);
  });
});

describe('trainClassifier', () => {
  it('resumes from a checkpoint to the same weights as an uninterrupted run, leaking no tensors', async () => {
    const { images, labels } = synthetic();
    const data = tensorDataset(images, labels);
    const before = tf.memory().numTensors;
    const saved: Checkpoint[] = [];
    const events: TrainProgress[] = [];
    const common = { data, config: tiny, epochs: 3, batchSize: 5, seed: 11, learningRate: { from: 0.01, to: 0.001 } };
    const full = await trainClassifier({
      ...common,
      onProgress: (p) => {
        events.push(p);
      },
      checkpoint: { every: 4, write: async (c) => void saved.push(await collectCheckpoint(c)) },
    });
    // 12 samples / 5 per batch = 3 steps per epoch, 9 steps; checkpoints at 4, 8 and the end (9).
    expect(full.steps).toBe(9);
    expect(saved.map((c) => c.state.step)).toEqual([4, 8, 9]);
    expect(events.filter((e) => e.kind === 'step').map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events.filter((e) => e.kind === 'epoch').length).toBe(3);
    expect(full.history.length).toBe(3);
    const steps = events.filter((e) => e.kind === 'step');
    expect(steps[0].learningRate).toBeCloseTo(0.01, 10);
    expect(steps[8].learningRate).toBeCloseTo(0.001, 10);
    expect(steps.every((e) => Number.isFinite(e.loss) && e.accuracy >= 0 && e.accuracy <= 1)).toBe(true);
    // Weights + momentum slots, per-tensor chunks.
    expect(saved[0].specs.map((s) => s.name)).toContain('L4/kernel/momentum');
    expect(tf.memory().numTensors).toBe(before + 14); // only the trained model's 14 weight tensors remain

    // Resume from step 4, with the data handed back as one buffer as a file reader would.
    const c4 = saved[0];
    const chunks = c4.data as Uint8Array[];
    const whole = new Uint8Array(chunks.reduce((a, c) => a + c.byteLength, 0));
    let off = 0;
    for (const c of chunks) {
      whole.set(c, off);
      off += c.byteLength;
    }
    const resumed = await trainClassifier({
      ...common,
      resume: { ...JSON.parse(JSON.stringify({ ...c4, data: [] })), data: whole.buffer },
    });
    expect(resumed.steps).toBe(9);
    expect(resumed.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
    for (const [[name, a], [, b]] of full.model
      .namedWeights()
      .map((w, i) => [w, resumed.model.namedWeights()[i]] as const)) {
      expect(relError(b.dataSync(), a.dataSync()), name).toBeLessThan(1e-5);
    }
    // The final checkpoint decodes to the trained model.
    const reloaded = modelFromCheckpoint(saved[2]);
    const x = tf.tidy(() => tf.div(tf.slice(images, [0], [2]), 255)) as tf.Tensor4D;
    const [ya, yb] = [reloaded.predict(x), full.model.predict(x)];
    expect(relError(ya.dataSync(), yb.dataSync())).toBe(0);
    tf.dispose([x, ya, yb]);
    reloaded.dispose();
    full.model.dispose();
    resumed.model.dispose();
    images.dispose();
  });
});
