import * as tf from '@tensorflow/tfjs-core';
import type { Triplets } from './triplet-selection.js';

/**
 * Rows scaled to unit L2 norm (the embedding FaceNet's loss is defined on).
 *
 * @example
 * l2NormalizeRows(tf.tensor2d([[3, 4]])); // [[0.6, 0.8]]
 */
export function l2NormalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), 1, true), 1e-12))));
}

/**
 * All pairwise squared L2 distances [n, n] of rows, ‖a‖² + ‖b‖² − 2a·b clamped at 0.
 *
 * @example
 * const d = pairwiseSquaredDistances(l2NormalizeRows(emb));
 * const triplets = selectTriplets(await d.array(), labels, 'batch-hard', 0.2);
 */
export function pairwiseSquaredDistances(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const sq = tf.sum(tf.square(x), 1, true);
    const dot = tf.matMul(x, x, false, true);
    return tf.relu(tf.sub(tf.add(sq, tf.transpose(sq)), tf.mul(dot, 2))) as tf.Tensor2D;
  });
}

/**
 * FaceNet's triplet loss, averaged over the triplets: mean of max(0, ‖f(a)−f(p)‖² − ‖f(a)−f(n)‖² + α), with
 * `embeddings` already L2-normalised. `active` counts the triplets that violate the margin (loss > 0), the ones
 * that produce a gradient. Differentiable in `embeddings`.
 *
 * @example
 * const { loss, active } = tripletLoss(emb, { anchors: [0], positives: [1], negatives: [2] }, 0.2);
 */
export function tripletLoss(
  embeddings: tf.Tensor2D,
  triplets: Triplets,
  margin: number,
): { loss: tf.Scalar; active: tf.Scalar } {
  return tf.tidy(() => {
    // Rows picked by a one-hot matmul, not tf.gather: gather's gradient (UnsortedSegmentSum) has no wasm kernel.
    // The one-hot is built as int32 and cast: wasm's OneHot writes int bits into a float32 output (tfjs 4.22).
    const n = embeddings.shape[0];
    const take = (idx: number[]) =>
      tf.matMul(tf.cast(tf.oneHot(tf.tensor1d(idx, 'int32'), n), 'float32') as tf.Tensor2D, embeddings);
    const a = take(triplets.anchors);
    const dap = tf.sum(tf.square(tf.sub(a, take(triplets.positives))), 1);
    const dan = tf.sum(tf.square(tf.sub(a, take(triplets.negatives))), 1);
    const violation = tf.add(tf.sub(dap, dan), margin);
    return {
      loss: tf.mean(tf.relu(violation)) as tf.Scalar,
      active: tf.sum(tf.cast(tf.greater(violation, 0), 'float32')) as tf.Scalar,
    };
  });
}
