// trainTriplet mechanics on a tiny synthetic set: loss falls, tensors do not leak, resume = uninterrupted run.
import { collectCheckpoint, tensorDataset } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type TripletCheckpoint, type TripletProgress, trainTriplet } from '../src/train.js';

/** 4 identities × 4 images, 96×96: each identity a colour blob at its own place, plus per-image noise. */
function syntheticFaces(): { images: tf.Tensor4D; labels: number[] } {
  const labels = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3];
  const images = tf.tidy(() => {
    const yy = tf.reshape(tf.range(0, 96), [96, 1, 1]);
    const xx = tf.reshape(tf.range(0, 96), [1, 96, 1]);
    return tf.stack(
      labels.map((l, i) => {
        const [cy, cx] = [24 + 48 * (l % 2), 24 + 48 * Math.floor(l / 2)];
        const blob = tf.exp(tf.div(tf.neg(tf.add(tf.square(tf.sub(yy, cy)), tf.square(tf.sub(xx, cx)))), 300));
        const colour = tf.tensor1d([l === 0 ? 1 : 0.3, l === 1 ? 1 : 0.3, l >= 2 ? 1 : 0.3]);
        const noise = tf.randomUniform([96, 96, 3], 0, 40, 'float32', i + 1);
        return tf.add(tf.mul(tf.mul(blob, colour), 200), noise);
      }),
    ) as tf.Tensor4D;
  });
  return { images, labels };
}

const base = {
  model: 'openface' as const,
  trainableFrom: 'dense_layer',
  identitiesPerBatch: 2,
  imagesPerIdentity: 4,
  seed: 5,
};

describe('trainTriplet', () => {
  it('lowers the triplet loss, leaks no tensors, and resumes to the same weights', async () => {
    const { images, labels } = syntheticFaces();
    const data = tensorDataset(images, labels);
    const before = tf.memory().numTensors;
    const steps: TripletProgress[] = [];
    const counts: number[] = [];
    const saved: TripletCheckpoint[] = [];
    const t0 = performance.now();
    const full = await trainTriplet({
      ...base,
      data,
      epochs: 4,
      selection: 'batch-hard',
      onProgress: (p) => {
        if (p.kind !== 'step') return;
        steps.push(p);
        counts.push(tf.memory().numTensors);
      },
      checkpoint: { every: 3, write: async (c) => void saved.push(await collectCheckpoint(c)) },
    });
    const ms = performance.now() - t0;
    // 4 usable identities / P 2 = 2 steps per epoch.
    expect(full.steps).toBe(8);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(full.history).toHaveLength(4);
    console.log(
      `openface (frozen trunk, random init) on synthetic data: ${steps.length} steps in ${(ms / 1000).toFixed(1)} s; ` +
        `epoch loss ${full.history.map((h) => h.loss.toFixed(3)).join(' → ')}; active ` +
        full.history.map((h) => h.activeFraction.toFixed(2)).join(' → '),
    );
    expect(full.history[3].loss).toBeLessThan(full.history[0].loss);
    for (const s of steps) {
      expect(s.triplets).toBe(8); // batch-hard: one per anchor
      expect(s.activeFraction).toBeGreaterThanOrEqual(0);
      expect(s.activeFraction).toBeLessThanOrEqual(1);
    }
    // The first step creates AdaGrad's accumulators; after that the count must not move.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(saved.map((c) => c.state.step)).toEqual([3, 6, 8]);

    // Resume from step 3 → the same weights as the uninterrupted run.
    const resumed = await trainTriplet({ ...base, data, resume: saved[0] });
    expect(resumed.steps).toBe(8);
    expect(resumed.history.map((h) => h.epoch)).toEqual([0, 1, 2, 3]);
    const a = tf.tidy(() => tf.concat(full.network.trainable.map(([, v]) => tf.reshape(v, [-1]))));
    const b = tf.tidy(() => tf.concat(resumed.network.trainable.map(([, v]) => tf.reshape(v, [-1]))));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBeLessThan(1e-5);
    tf.dispose([a, b]);
    full.network.dispose();
    resumed.network.dispose();
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
  });

  it('semi-hard selection uses every anchor–positive pair; abort and bad options fail cleanly', async () => {
    const { images, labels } = syntheticFaces();
    const data = tensorDataset(images, labels);
    const before = tf.memory().numTensors;
    const steps: TripletProgress[] = [];
    const { network } = await trainTriplet({ ...base, data, epochs: 1, onProgress: (p) => void steps.push(p) });
    expect(steps[0].triplets).toBe(2 * 4 * 3); // P·K anchors × (K − 1) positives
    network.dispose();
    const controller = new AbortController();
    await expect(
      trainTriplet({
        ...base,
        data,
        epochs: 3,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
    ).rejects.toThrow(/abort/i);
    await expect(trainTriplet({ ...base, data, trainableFrom: 'nope' })).rejects.toThrow(/no layer with weights/);
    await expect(trainTriplet({ ...base, data, imagesPerIdentity: 1 })).rejects.toThrow(/≥ 2/);
    await expect(trainTriplet({ ...base, data: { ...data, labels: undefined } })).rejects.toThrow(/labels/);
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
  });
});
