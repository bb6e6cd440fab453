// trainTriplet mechanics on a tiny synthetic set: loss falls, tensors do not leak, resume = uninterrupted run.
import { collectCheckpoint, tensorDataset } from '@facekit/core/training';
import { auc, rocCurve } from '@facekit/core/eval';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { NetworkDefinition } from '../src/graph.js';
import { openfaceNetwork } from '../src/openface.js';
import { TrainableNetwork } from '../src/trainable-network.js';
import { embedWith, type TripletCheckpoint, type TripletProgress, trainTriplet } from '../src/train.js';
import { pairwiseSquaredDistances } from '../src/triplet-loss.js';

/** 4 identities × 4 images, 96×96: each identity a colour blob at its own place, plus per-image noise. */
function syntheticFaces(noiseSeed = 1, noise = 40): { images: tf.Tensor4D; labels: number[] } {
  const labels = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3];
  const images = tf.tidy(() => {
    const yy = tf.reshape(tf.range(0, 96), [96, 1, 1]);
    const xx = tf.reshape(tf.range(0, 96), [1, 96, 1]);
    return tf.stack(
      labels.map((l, i) => {
        const [cy, cx] = [24 + 48 * (l % 2), 24 + 48 * Math.floor(l / 2)];
        const blob = tf.exp(tf.div(tf.neg(tf.add(tf.square(tf.sub(yy, cy)), tf.square(tf.sub(xx, cx)))), 300));
        const colour = tf.tensor1d([l === 0 ? 1 : 0.3, l === 1 ? 1 : 0.3, l >= 2 ? 1 : 0.3]);
        const speckle = tf.randomUniform([96, 96, 3], 0, noise, 'float32', i + noiseSeed);
        return tf.add(tf.mul(tf.mul(blob, colour), 200), speckle);
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

  it('trains the whole network (every conv layer) on the test backend, wasm included', async () => {
    const { images, labels } = syntheticFaces();
    const before = tf.memory().numTensors;
    const start = await TrainableNetwork.create(openfaceNetwork, { seed: base.seed });
    const initial = new Map(start.namedWeights().map(([n, t]) => [n, t.dataSync().slice()]));
    start.dispose();
    const t0 = performance.now();
    const r = await trainTriplet({ ...base, trainableFrom: undefined, data: tensorDataset(images, labels), epochs: 1 });
    console.log(
      `openface, all ${r.network.trainable.length} trainable weights, ${tf.getBackend()}: ${r.steps} steps in ` +
        `${((performance.now() - t0) / 1000).toFixed(1)} s, loss ${r.history[0].loss.toFixed(3)}`,
    );
    expect(r.steps).toBe(2);
    expect(Number.isFinite(r.history[0].loss)).toBe(true);
    // The first conv, a conv deep in the inception blocks and the last dense layer all moved (same seeded start).
    for (const name of ['conv1/kernel', 'inception_4e_3x3_conv2/kernel', 'dense_layer/kernel']) {
      const now = r.network
        .namedWeights()
        .find(([n]) => n === name)![1]
        .dataSync();
      const was = initial.get(name)!;
      expect(
        now.some((v, k) => v !== was[k]),
        name,
      ).toBe(true);
    }
    r.network.dispose();
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

/** The trainable weights as one flat vector (the caller disposes it). */
const flatTrainable = (net: TrainableNetwork) =>
  tf.tidy(() => tf.concat(net.trainable.map(([, v]) => tf.reshape(v, [-1]))));
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

/** Verification ROC AUC of all pairs of a labelled set, as trainTriplet scores its validation set. */
function setAuc(net: TrainableNetwork, images: tf.Tensor4D, labels: number[]): number {
  const d = tf.tidy(() => pairwiseSquaredDistances(embedWith(net, 'openface', images)).arraySync());
  const pairs = labels.flatMap((l, i) =>
    labels.slice(i + 1).map((m, k) => ({ distance: d[i][i + 1 + k], same: l === m })),
  );
  return auc(rocCurve(pairs));
}

describe('TrainableNetwork trunk / head split', () => {
  it('head(trunk(x)) is predict(x) where the network splits cleanly, and nowhere else', async () => {
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([2, 96, 96, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    for (const [from, shape] of [
      ['dense_layer', [736]],
      // Inside the inception block 5a: its pooling branch reads the same input as the cut conv, so still clean.
      ['inception_5a_3x3_conv1', [3, 3, 1024]],
    ] as const) {
      const net = await TrainableNetwork.create(openfaceNetwork, { trainableFrom: from, seed: 3 });
      expect(net.trunkShape).toEqual(shape);
      const features = net.trunk(x);
      expect(features.shape).toEqual([2, ...shape]);
      const [split, whole] = [net.head(features), net.predict(x)];
      expect(maxAbsDiff(split, whole)).toBeLessThan(1e-5);
      tf.dispose([features, split, whole]);
      net.dispose();
    }
    const whole = await TrainableNetwork.create(openfaceNetwork, { seed: 3 });
    expect(whole.trunkShape).toBeUndefined(); // nothing frozen
    expect(() => whole.trunk(x)).toThrow(/no frozen trunk/);
    whole.dispose();

    // A skip connection around the cut: the head needs a trunk value other than the cut's input.
    const skip: NetworkDefinition = {
      name: 'skip',
      inputSize: [8, 8],
      outputDim: 4,
      normalized: false,
      graph: (o, input) => {
        const a = o.conv(input, 'a', { filters: 3, kernel: 1, bias: true });
        const b = o.conv(a, 'b', { filters: 3, kernel: 1, bias: true });
        const c = o.conv(b, 'c', { filters: 3, kernel: 1, bias: true });
        return o.dense(o.flatten(o.residual(a, c, 1)), 'd', 4, true);
      },
    };
    const cut = await TrainableNetwork.create(skip, { trainableFrom: 'c' });
    expect(cut.trunkShape).toBeUndefined();
    cut.dispose();
    const clean = await TrainableNetwork.create(skip, { trainableFrom: 'b' }); // the residual reads b's input
    expect(clean.trunkShape).toEqual([8, 8, 3]);
    clean.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('training on cached trunk outputs gives the weights of training on the images', async () => {
    const { images, labels } = syntheticFaces();
    const data = tensorDataset(images, labels);
    const cached = await trainTriplet({ ...base, data, epochs: 2 });
    const plain = await trainTriplet({ ...base, data, epochs: 2, trunkCacheBytes: 0 });
    const [a, b] = [flatTrainable(cached.network), flatTrainable(plain.network)];
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    expect(cached.history.map((h) => h.loss)).toEqual(plain.history.map((h) => expect.closeTo(h.loss, 5)));
    tf.dispose([a, b]);
    cached.network.dispose();
    plain.network.dispose();
    images.dispose();
  });
});

describe('trainTriplet validation', () => {
  it('scores every epoch, keeps the best weights, and resumes with them', async () => {
    const train = syntheticFaces();
    const val = syntheticFaces(101, 1000); // noisy enough that no embedding separates it perfectly
    const data = tensorDataset(train.images, train.labels);
    const validation = tensorDataset(val.images, val.labels);
    const before = tf.memory().numTensors;
    const epochs: TripletProgress[] = [];
    const counts: number[] = [];
    const saved: TripletCheckpoint[] = [];
    // A large step with batch-hard triplets: the validation AUC peaks before the last epoch.
    const options = { ...base, data, validation, epochs: 4, learningRate: 2, selection: 'batch-hard' as const };
    const kept = await trainTriplet({
      ...options,
      onProgress: (p) => {
        if (p.kind === 'epoch') epochs.push(p);
        else counts.push(tf.memory().numTensors);
      },
      checkpoint: { write: async (c) => void saved.push(await collectCheckpoint(c)) },
    });
    expect(kept.history).toHaveLength(4);
    expect(epochs.map((e) => e.validationAuc)).toEqual(kept.history.map((h) => h.validationAuc));
    const best = kept.best!;
    const aucs = kept.history.map((h) => h.validationAuc!);
    expect(best.validationAuc).toBeGreaterThanOrEqual(Math.max(...aucs));
    expect(best.epoch).toBeGreaterThanOrEqual(0);
    expect(best.epoch).toBeLessThan(3);
    expect(best.validationAuc).toBe(aucs[best.epoch]);
    expect(aucs[3]).toBeLessThan(best.validationAuc); // so keeping the best is not keeping the last
    expect(epochs[3].best).toEqual(best);
    // The network holds the best epoch's weights: it scores the best validation AUC.
    expect(setAuc(kept.network, val.images, val.labels)).toBeCloseTo(best.validationAuc, 6);
    expect(new Set(counts.slice(1)).size).toBe(1);

    // Without restoreBest: the last epoch's weights.
    const last = await trainTriplet({ ...options, restoreBest: false });
    expect(last.history.map((h) => h.validationAuc)).toEqual(aucs);
    expect(setAuc(last.network, val.images, val.labels)).toBeCloseTo(aucs[3], 6);
    expect(kept).toMatchObject({ restoredBest: true, stoppedEarly: false });
    expect(last).toMatchObject({ restoredBest: false, stoppedEarly: false });

    // Resume from epoch 1's checkpoint (it carries the best weights so far) → the same end.
    expect(saved[0].specs.some((s) => s.name.endsWith('/best'))).toBe(true);
    const resumed = await trainTriplet({ ...options, resume: saved[0] });
    expect(resumed.best).toEqual(best);
    const [a, b] = [flatTrainable(kept.network), flatTrainable(resumed.network)];
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    tf.dispose([a, b]);
    for (const r of [kept, last, resumed]) r.network.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([train.images, val.images]);
  });

  it('stops after `patience` epochs without a better score and gives back the starting weights', async () => {
    const train = syntheticFaces();
    // Two identities of two identical images: every embedding separates them perfectly (AUC 1), so no epoch beats
    // the starting weights.
    const val = tf.tidy(() => tf.gather(train.images, [0, 0, 4, 4])) as tf.Tensor4D;
    const data = tensorDataset(train.images, train.labels);
    const start = await TrainableNetwork.create(openfaceNetwork, {
      trainableFrom: base.trainableFrom,
      seed: base.seed,
    });
    const r = await trainTriplet({
      ...base,
      data,
      validation: tensorDataset(val, [0, 0, 1, 1]),
      epochs: 5,
      patience: 1,
    });
    expect(r.best).toEqual({ epoch: -1, validationAuc: 1 });
    expect(r.history).toHaveLength(1); // epoch 0 did not beat the start: stop
    expect(r.steps).toBe(2);
    expect(r).toMatchObject({ stoppedEarly: true, restoredBest: true });
    const [a, b] = [flatTrainable(start), flatTrainable(r.network)];
    expect(maxAbsDiff(a, b)).toBe(0);
    tf.dispose([a, b]);
    start.dispose();
    r.network.dispose();
    await expect(trainTriplet({ ...base, data, validation: tensorDataset(val, [0, 1, 2, 3]) })).rejects.toThrow(
      /validation needs ≥ 2 identities/,
    );
    tf.dispose([train.images, val]);
  });
});
