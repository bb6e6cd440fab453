import type { BinaryCheck, Classification } from '@facekit/core';

/**
 * A classification from class probabilities: renormalised to sum to 1 (softmax outputs already do, up to float
 * error), the label of the largest.
 *
 * @example
 * classify(['male', 'female'], [0.2, 0.8]); // { label: 'female', score: 0.8, scores: { male: 0.2, female: 0.8 } }
 */
export function classify<L extends string>(labels: readonly L[], probs: ArrayLike<number>): Classification<L> {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += Math.max(0, probs[i]);
  const scores = {} as Record<L, number>;
  let best = 0;
  labels.forEach((l, i) => {
    scores[l] = sum > 0 ? Math.max(0, probs[i]) / sum : 1 / labels.length;
    if (scores[l] > scores[labels[best]]) best = i;
  });
  return { label: labels[best], score: scores[labels[best]], scores };
}

/**
 * A pass / fail check at a threshold.
 *
 * @example
 * check(0.7, 0.5); // { score: 0.7, threshold: 0.5, passed: true }
 */
export function check(score: number, threshold: number): BinaryCheck {
  return { score, threshold, passed: score >= threshold };
}

/**
 * Grey levels as @vladmandic/human makes them for its greyscale models: 0.2989 R + 0.5870 G + 0.1140 B (MATLAB's
 * rgb2gray weights), of 0..1 input.
 *
 * @example
 * const gray = tf.sum(tf.mul(faces01, tf.tensor1d([...GRAY_WEIGHTS])), 3, true); // [n, h, w, 1]
 */
export const GRAY_WEIGHTS: readonly [number, number, number] = [0.2989, 0.587, 0.114];
