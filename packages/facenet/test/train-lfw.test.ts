// Integration: FaceNet triplet fine-tuning of OpenFace nn4.small2 on aligned LFW crops (facekit pipeline: BlazeFace
// → FaceMesh → 2D alignment onto OpenFace's template). No trained FaceNet weights exist here, so the run starts from
// the synthetic Keras fixture (seeded random weights) with the trunk frozen and only `dense_layer` trained, on
// cached trunk outputs.
//
// Protocol (View 1): the training and validation identities are disjoint sets of peopleDevTrain; the validation set
// picks the epoch whose weights are kept (restoreBest). DevTest pairs are only measured, before and after.
// The settings (48 identities × ≤ 6 images, 32 validation identities × 4, 40 epochs of P 8 × K 6, AdaGrad's
// default 0.05, semi-hard) were chosen on DevTrain alone, over 10 random splits of its identities: the kept epoch
// raised the ROC AUC of 150 held-out DevTrain identities in every split (+0.7 to +1.6 points), but moved the
// accuracy on the pairsDevTrain pairs of identities outside the split by only +0.2 points on average (4 of 10
// splits lower). The random trunk's 736 pooled features carry little identity information, and `dense_layer` is a
// linear map of them: no linear metric on them (whitening, LDA) separates LFW pairs much better than the random
// start. So the DevTest change is within noise (1,000 pairs: one standard error is ~1.5 points at ~60 %); what this test
// guards is that the loss falls, that held-out validation identities pick an epoch better than the start, and that
// DevTest accuracy does not fall by more than two standard errors.
import '@facekit/detect';
import '@facekit/align';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Aligner, FacePipeline, models, seededRandom, shuffle } from '@facekit/core';
import { tensorDataset } from '@facekit/core/training';
import { auc, chooseThreshold, rocCurve } from '@facekit/core/eval';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  haveShared,
  kerasFixturesDir,
  lfwDir,
  lfwImage,
  modelContext,
  readImageTensor,
  readPairs,
} from '../../../test/utils.js';
import { FaceNetwork, openfaceNetwork, openfaceSpec, scaleToUnit } from '../src/index.js';
import { type TripletProgress, trainTriplet } from '../src/train.js';
import { pairwiseSquaredDistances, tripletLoss } from '../src/triplet-loss.js';
import { selectTriplets } from '../src/triplet-selection.js';
import { readFixtureWeights } from './fixture-utils.js';

const TRAIN_IDENTITIES = 48;
const TRAIN_IMAGES = 6; // at most, per identity (all have ≥ 4)
const VALIDATION_IDENTITIES = 32;
const VALIDATION_IMAGES = 4;
const P = 8;
const MARGIN = 0.2;
const PAIRS_PER_KIND = 500; // all of pairsDevTest: 500 matched + 500 mismatched

/** peopleDevTrain identities with ≥ 4 images, in a seeded order: the first ones train, the next ones validate. */
function devTrainPeople(): Array<{ name: string; n: number }> {
  const lines = readFileSync(join(lfwDir, 'peopleDevTrain.txt'), 'utf8').trim().split(/\r?\n/).slice(1);
  const people = lines
    .map((l) => l.trim().split(/\s+/))
    .map(([name, n]) => ({ name, n: Number(n) }))
    .filter((p) => p.n >= 4)
    .sort((a, b) => a.name.localeCompare(b.name));
  return shuffle(people, seededRandom(2024));
}

/**
 * The triplet loss as a fixed yardstick: the training identities cut into fixed groups of P (label order), each
 * group's semi-hard triplets (the trained selection) over all its images, averaged over the groups.
 */
function groupedTripletLoss(emb: tf.Tensor2D, labels: number[]): number {
  const ids = [...new Set(labels)].sort((a, b) => a - b);
  const losses: number[] = [];
  for (let g = 0; g + P <= ids.length; g += P) {
    const group = new Set(ids.slice(g, g + P));
    const rows = labels.flatMap((l, i) => (group.has(l) ? [i] : []));
    const sub = rows.map((i) => labels[i]);
    losses.push(
      tf.tidy(() => {
        const e = tf.gather(emb, rows) as tf.Tensor2D;
        const t = selectTriplets(pairwiseSquaredDistances(e).dataSync(), sub, 'semi-hard', MARGIN);
        return tripletLoss(e, t, MARGIN).loss.dataSync()[0];
      }),
    );
  }
  return losses.reduce((a, b) => a + b, 0) / losses.length;
}

/** Best-threshold accuracy and ROC AUC of squared L2 distances on the pairs (View 1 DevTest subset). */
function pairScores(emb: tf.Tensor2D, pairs: Array<{ a: number; b: number; same: boolean }>) {
  const d = tf.tidy(() => pairwiseSquaredDistances(emb).arraySync());
  const scored = pairs.map((p) => ({ distance: d[p.a][p.b], same: p.same }));
  return { accuracy: chooseThreshold(scored).accuracy, auc: auc(rocCurve(scored)) };
}

/** Unit embeddings of 0..255 crops through an inference network (OpenFace normalises its output itself). */
function embed(net: FaceNetwork, images: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let s = 0; s < images.shape[0]; s += 64) {
      const n = Math.min(64, images.shape[0] - s);
      parts.push(net.predict(scaleToUnit(tf.slice(images, s, n))));
    }
    return tf.concat(parts) as tf.Tensor2D;
  });
}

const ready =
  haveShared(join(lfwDir, 'peopleDevTrain.txt'), 'LFW') &&
  haveShared(join(kerasFixturesDir, 'openface'), 'Keras OpenFace fixture') &&
  models.detectors.has('blazeface');

describe.runIf(ready)('trainTriplet on LFW peopleDevTrain (OpenFace, synthetic fixture weights, frozen trunk)', () => {
  it('triplet loss falls, held-out identities pick a better epoch, View-1 DevTest stays within noise', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const t0 = performance.now();
    const h5 = readFixtureWeights('openface');
    const ctx = { ...modelContext, weightsPath: 'openface_weights.h5', readFile: async () => h5 };
    const pipeline = await FacePipeline.create(ctx, { embedder: 'openface', pick: 'central' });
    const aligner: Aligner = await models.aligners.get(pipeline.options.align).create(ctx);
    const crop = async (name: string, index: number): Promise<tf.Tensor3D> => {
      const img = await readImageTensor(lfwImage(name, index));
      const [{ face }] = await pipeline.facesToEmbed(img, { enforceDetection: false });
      const aligned = aligner.align(img, face, openfaceSpec.template);
      img.dispose();
      return aligned;
    };
    const crops = async (people: Array<{ name: string; n: number }>, perIdentity: number) => {
      const images: tf.Tensor3D[] = [];
      const labels: number[] = [];
      for (const [label, { name, n }] of people.entries()) {
        for (let i = 1; i <= Math.min(n, perIdentity); i++) {
          images.push(await crop(name, i));
          labels.push(label);
        }
      }
      const stacked = tf.stack(images) as tf.Tensor4D;
      tf.dispose(images);
      return { images: stacked, labels };
    };

    const people = devTrainPeople();
    const train = await crops(people.slice(0, TRAIN_IDENTITIES), TRAIN_IMAGES);
    const val = await crops(
      people.slice(TRAIN_IDENTITIES, TRAIN_IDENTITIES + VALIDATION_IDENTITIES),
      VALIDATION_IMAGES,
    );
    const all = await readPairs(join(lfwDir, 'pairsDevTest.txt'));
    const subset = [
      ...all.filter((p) => p.same).slice(0, PAIRS_PER_KIND),
      ...all.filter((p) => !p.same).slice(0, PAIRS_PER_KIND),
    ];
    const testCrops: tf.Tensor3D[] = [];
    const slot = new Map<string, number>();
    const indexOf = async ([name, i]: [string, number]) => {
      const key = `${name}/${i}`;
      if (!slot.has(key)) {
        slot.set(key, testCrops.length);
        testCrops.push(await crop(name, i));
      }
      return slot.get(key)!;
    };
    const pairs: Array<{ a: number; b: number; same: boolean }> = [];
    for (const p of subset) pairs.push({ a: await indexOf(p.a), b: await indexOf(p.b), same: p.same });
    pipeline.dispose();
    const testImages = tf.stack(testCrops) as tf.Tensor4D;
    tf.dispose(testCrops);
    const alignSeconds = (performance.now() - t0) / 1000;

    const measure = (net: FaceNetwork) => {
      const trainEmb = embed(net, train.images);
      const testEmb = embed(net, testImages);
      const r = { loss: groupedTripletLoss(trainEmb, train.labels), ...pairScores(testEmb, pairs) };
      tf.dispose([trainEmb, testEmb]);
      return r;
    };
    const before = await FaceNetwork.load(openfaceNetwork, h5);
    const start = measure(before);
    before.dispose();

    const counts: number[] = [];
    const steps: TripletProgress[] = [];
    const t1 = performance.now();
    const { network, history, best } = await trainTriplet({
      model: 'openface',
      data: tensorDataset(train.images, train.labels),
      validation: tensorDataset(val.images, val.labels),
      weights: h5,
      trainableFrom: 'dense_layer',
      identitiesPerBatch: P,
      imagesPerIdentity: TRAIN_IMAGES,
      margin: MARGIN,
      epochs: 40,
      onProgress: (p) => {
        if (p.kind !== 'step') return;
        steps.push(p);
        counts.push(tf.memory().numTensors);
      },
    });
    const trainSeconds = (performance.now() - t1) / 1000;
    const inference = network.toFaceNetwork();
    network.dispose();
    const end = measure(inference);
    inference.dispose();
    tf.dispose([train.images, val.images, testImages]);

    const first = history[0];
    const kept = history.find((h) => h.epoch === best?.epoch);
    console.log(
      `LFW ${TRAIN_IDENTITIES} peopleDevTrain identities (${train.labels.length} crops), ${VALIDATION_IDENTITIES} ` +
        `validation identities (${val.labels.length}), ${pairs.length} DevTest pairs (${testImages.shape[0]} crops), ` +
        `${tf.getBackend()}: align ${alignSeconds.toFixed(1)} s, ${steps.length} steps in ${trainSeconds.toFixed(1)} s; ` +
        `epoch loss ${first.loss.toFixed(4)} → ${history[history.length - 1].loss.toFixed(4)}, kept epoch ` +
        `${best?.epoch} of ${history.length} (loss ${kept?.loss.toFixed(4)}, validation AUC ` +
        `${history[0].validationAuc?.toFixed(4)} after epoch 0, best ${best?.validationAuc.toFixed(4)}); grouped triplet loss ${start.loss.toFixed(4)} → ${end.loss.toFixed(4)}; ` +
        `DevTest accuracy ${start.accuracy.toFixed(3)} → ${end.accuracy.toFixed(3)}, AUC ${start.auc.toFixed(4)} → ` +
        `${end.auc.toFixed(4)}; total ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    // Validation on held-out identities improved on the starting weights, and those are the weights kept.
    expect(best!.epoch).toBeGreaterThanOrEqual(0);
    // The training loss falls by a real margin, on the batches and on the fixed yardstick.
    expect(kept!.loss).toBeLessThan(0.9 * first.loss);
    expect(end.loss).toBeLessThan(0.9 * start.loss);
    // View-1 DevTest (never seen by training or selection): on a random trunk the change is noise, and its sign
    // flipped with the crops on the first 200 pairs (+1.0 point with BlazeFace's 256² look, −3.5 with its 160² quick
    // look). So it is bounded to two standard errors of the starting accuracy over all 1,000 pairs, not asserted to
    // rise: a gain the weights cannot carry would be a coin toss. See the header.
    const standardError = Math.sqrt((start.accuracy * (1 - start.accuracy)) / pairs.length);
    expect(end.accuracy).toBeGreaterThanOrEqual(start.accuracy - 2 * standardError);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    // A hang guard, not a timing: ~100 s alone on 2 cores, up to ~160 s while other test files share them.
  }, 400_000);
});
