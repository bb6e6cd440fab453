// The published configuration (137.8 M parameters with an 8631-class F8): shapes, and one real SGD-momentum step
// through trainClassifier, checking memory: weights, gradients and momentum are 3 × 551 MB.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DEEPFACE_CONFIG, parameterCount } from '../src/architecture.js';
import type { CheckpointSnapshot } from '../src/checkpoint.js';
import { tensorDataset, trainClassifier } from '../src/train.js';

const mib = (b: number) => (b / 2 ** 20).toFixed(0);

describe('full-size DeepFace', () => {
  it('takes one forward/backward/momentum step with the published sizes', async () => {
    const before = tf.memory();
    const images = tf.randomUniform([2, 152, 152, 3], 0, 255, 'float32', 1) as tf.Tensor4D;
    const data = tensorDataset(images, [17, 8630], DEEPFACE_CONFIG.classes);
    const saved: CheckpointSnapshot[] = [];
    let checkpointBytes = 0;
    let peakBytes = 0;
    const t0 = performance.now();
    const { model, steps, history } = await trainClassifier({
      data,
      epochs: 1,
      batchSize: 2,
      onProgress: () => {
        peakBytes = Math.max(peakBytes, tf.memory().numBytes);
      },
      checkpoint: {
        write: async (c) => {
          saved.push(c);
          // Stream the 1.1 GB of data the way a file writer would, one tensor at a time, keeping none of it.
          for await (const chunk of c.chunks()) checkpointBytes += chunk.byteLength;
        },
      },
    });
    const ms = performance.now() - t0;
    expect(steps).toBe(1);
    expect(Number.isFinite(history[0].loss)).toBe(true);
    // ln(8631) ≈ 9.06 for a uniform guess; a fresh net is near it.
    expect(history[0].loss).toBeGreaterThan(5);
    expect(history[0].loss).toBeLessThan(20);
    expect(model.parameterCount).toBe(137_774_071);
    expect(parameterCount()).toBe(137_774_071);
    const shapes = Object.fromEntries(model.namedWeights().map(([n, t]) => [n, t.shape]));
    expect(shapes['L4/kernel']).toEqual([3025, 1296, 16]);
    expect(shapes['F8/kernel']).toEqual([4096, 8631]);
    // One checkpoint: 14 weights + 14 momentum slots, 2 × 137.8 M floats.
    expect(saved.length).toBe(1);
    expect(saved[0].specs.length).toBe(28);
    const floats = saved[0].specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
    expect(floats).toBe(2 * 137_774_071);
    expect(checkpointBytes).toBe(4 * floats);
    // After training only the model's weights remain.
    expect(tf.memory().numTensors).toBe(before.numTensors + 1 + 14);
    expect(tf.memory().numBytes - before.numBytes - images.size * 4).toBe(4 * 137_774_071);
    console.log(
      `full DeepFace, 1 step of batch 2 (${tf.getBackend()}): ${(ms / 1000).toFixed(1)} s incl. init and checkpoint; ` +
        `tfjs memory after the step ${mib(peakBytes)} MiB (weights + momentum), ` +
        `process maxRSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB`,
    );
    model.dispose();
    images.dispose();
  });
});
