// End to end on real LFW pairs (View 1 DevTrain only): FacePipeline with BlazeFace → FaceMesh → '2d' → embedder.
import '@facekit/align';
import '@facekit/detect';
import { FacePipeline } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveShared, lfwDir, lfwImage, modelContext, readImageTensor } from '../../../test/utils.js';
import '../src/index.js';
import { devTrainPairs } from './devtrain.js';

const PAIRS = 24;

/** Distances of `PAIRS` DevTrain pairs through a pipeline with the given embedder, images decoded once. */
async function pairDistances(embedder: string, images: Map<string, tf.Tensor3D>) {
  const pipeline = await FacePipeline.create(modelContext, { embedder });
  try {
    const pairs = await devTrainPairs(PAIRS);
    const out: Array<{ distance: number; same: boolean; verified: boolean; threshold: number }> = [];
    for (const p of pairs) {
      const r = await pipeline.verify(images.get(p.a.join('/'))!, images.get(p.b.join('/'))!);
      out.push({ distance: r.distance, same: p.same, verified: r.verified, threshold: r.threshold });
    }
    return out;
  } finally {
    pipeline.dispose();
  }
}

/** Fraction of (matched, mismatched) pair combinations where the matched pair is closer (the ROC AUC). */
function auc(d: Array<{ distance: number; same: boolean }>): number {
  const s = d.filter((x) => x.same).map((x) => x.distance);
  const n = d.filter((x) => !x.same).map((x) => x.distance);
  let wins = 0;
  for (const a of s) for (const b of n) wins += a < b ? 1 : a === b ? 0.5 : 0;
  return wins / (s.length * n.length);
}

// Detection + landmarks + embedding of 48 images: seconds on wasm, minutes on the cpu reference backend, so this
// accuracy check runs on wasm only (numerical agreement on cpu is the face-api parity test's job).
describe.runIf(haveShared(lfwDir, 'LFW') && tf.getBackend() !== 'cpu')(
  'pretrained embedders on LFW DevTrain pairs',
  () => {
    const images = new Map<string, tf.Tensor3D>();
    beforeAll(async () => {
      for (const p of await devTrainPairs(PAIRS)) {
        for (const k of [p.a, p.b]) {
          const key = k.join('/');
          if (!images.has(key)) images.set(key, await readImageTensor(lfwImage(k[0], k[1])));
        }
      }
    });
    afterAll(() => tf.dispose([...images.values()]));

    it('dlib-resnet34: same-person pairs are closer than different-person pairs, and the default threshold verifies', async () => {
      const before = tf.memory().numTensors;
      const d = await pairDistances('dlib-resnet34', images);
      expect(tf.memory().numTensors).toBe(before);
      expect(d).toHaveLength(PAIRS);
      const mean = (same: boolean) =>
        d.filter((x) => x.same === same).reduce((s, x) => s + x.distance, 0) / (PAIRS / 2);
      console.log('dlib-resnet34', { auc: auc(d), sameMean: mean(true), diffMean: mean(false) });
      // Distances in the default metric (cosine), on either side of its default threshold with room to spare.
      const threshold = d[0].threshold;
      expect(threshold).toBeGreaterThan(0);
      expect(mean(true)).toBeLessThan(0.6 * threshold);
      expect(mean(false)).toBeGreaterThan(1.5 * threshold);
      expect(auc(d)).toBeGreaterThanOrEqual(0.97);
      const correct = d.filter((x) => x.verified === x.same).length;
      expect(correct / PAIRS).toBeGreaterThanOrEqual(22 / 24);
    });
  },
);
