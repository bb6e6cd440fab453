import * as tf from '@tensorflow/tfjs-core';
import { seededRandom, shuffle } from '../cluster/rng.js';
import { FaceKitError } from '../errors.js';

/**
 * A batch of training samples: RGB images 0..255 (int32 or float32, any size) and identity labels.
 *
 * @example
 * const batch: TrainingBatch = { images: tf.zeros([2, 152, 152, 3]), labels: [0, 1] };
 */
export interface TrainingBatch {
  images: tf.Tensor4D;
  labels: ArrayLike<number>;
}

/**
 * Labelled face images a trainer draws from by index. The platform implements it (e.g. @facekit/node over a folder
 * of identity sub-folders, aligning faces on the fly); the trainer disposes the returned images.
 *
 * @example
 * const data: TrainingData = tensorDataset(faces, labels); // or a loader over a folder of identities
 */
export interface TrainingData {
  /** Number of samples. */
  size: number;
  /** Number of identities; labels are integers in [0, classes). */
  classes: number;
  /**
   * Every sample's label, known before any image is loaded. Triplet training needs it to build batches of
   * P identities × K images; the classifier does not.
   */
  labels?: ArrayLike<number>;
  /** The samples with these indices, in this order. */
  load(indices: number[]): Promise<TrainingBatch>;
}

/**
 * Training data held in memory: a batch of images and their labels. The trainer does not dispose `images`.
 *
 * @example
 * const data = tensorDataset(images, labels); // images [n, h, w, 3] 0..255
 */
export function tensorDataset(images: tf.Tensor4D, labels: ArrayLike<number>, classes?: number): TrainingData {
  if (images.shape[0] !== labels.length) {
    throw new FaceKitError('E_INPUT', `${images.shape[0]} images but ${labels.length} labels`);
  }
  const k = classes ?? Math.max(-1, ...Array.from(labels)) + 1;
  return {
    size: labels.length,
    classes: k,
    labels: Array.from(labels),
    load: async (indices) => ({
      images: tf.gather(images, indices),
      labels: indices.map((i) => labels[i]),
    }),
  };
}

/**
 * The seed of one stream (e.g. one epoch) of a run's seed, for {@link seededRandom}.
 *
 * @example
 * const rand = seededRandom(streamSeed(runSeed, epoch)); // independent, reproducible per epoch
 */
export function streamSeed(seed: number, stream: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(stream + 1, 0xc2b2ae35)) >>> 0;
}

/**
 * Deterministic permutation of 0..n-1 for an epoch of a seeded run.
 *
 * @example
 * epochPermutation(5, 1, 0); // a fixed order of 0..4 for seed 1, epoch 0
 */
export function epochPermutation(n: number, seed: number, epoch: number): number[] {
  return shuffle(
    Array.from({ length: n }, (_, i) => i),
    seededRandom(streamSeed(seed, epoch)),
  );
}
