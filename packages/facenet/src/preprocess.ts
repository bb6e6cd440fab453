import * as tf from '@tensorflow/tfjs-core';

/**
 * FaceNet's prewhitening (deepface `normalization="Facenet"`): per image, (x − mean) / std over all pixels and
 * channels, population std. std is floored at 1/√(h·w·c) as in the original FaceNet `prewhiten`, so a flat image
 * does not divide by zero (for real 0..255 images the floor never applies).
 *
 * @example
 * const input = prewhiten(faces); // faces: [n, 160, 160, 3] 0..255
 */
export function prewhiten(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const count = h * w * c;
    // Sums per row, then over rows: a flat float32 sum of 76,800 values drifts enough (~1e-5) to move the output.
    const rows = tf.reshape(tf.cast(x, 'float32'), [n, h, w * c]);
    const total = (t: tf.Tensor) => tf.reshape(tf.div(tf.sum(tf.sum(t, 2), 1), count), [n, 1, 1]);
    const mean = total(rows);
    const centred = tf.sub(rows, mean);
    const std = tf.maximum(tf.sqrt(total(tf.square(centred))), 1 / Math.sqrt(count));
    return tf.reshape(tf.div(centred, std), [n, h, w, c]) as tf.Tensor4D;
  });
}

/**
 * 0..255 → [0, 1] (deepface `normalization="base"`, what OpenFace takes).
 *
 * @example
 * const input = scaleToUnit(faces); // faces: [n, 96, 96, 3] 0..255
 */
export function scaleToUnit(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.cast(x, 'float32'), 255) as tf.Tensor4D);
}
