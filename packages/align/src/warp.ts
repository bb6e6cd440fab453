import * as tf from '@tensorflow/tfjs-core';
import type { Similarity } from './similarity.js';
import { invertSimilarity, similarityScale } from './similarity.js';

/**
 * Warps an image with a similarity that maps image → output pixels, producing [height, width, 3] float32.
 * Bilinear sampling; outside the image is black (as dlib's chip extraction). When the face shrinks by more than 2×,
 * the image is first box-filtered by an integer factor so that the sampling does not alias.
 *
 * @example
 * const chip = warpSimilarity(image, estimateSimilarity(face.five!, template.points), [112, 112]); // [112, 112, 3]
 * chip.dispose();
 */
export function warpSimilarity(image: tf.Tensor3D, toOutput: Similarity, size: [number, number]): tf.Tensor3D {
  return tf.tidy(() => {
    let src: tf.Tensor4D = tf.expandDims(tf.cast(image, 'float32'), 0) as tf.Tensor4D;
    let t = toOutput;
    const factor = Math.floor(1 / similarityScale(t));
    if (factor >= 2 && image.shape[0] >= 2 * factor && image.shape[1] >= 2 * factor) {
      src = tf.avgPool(src, factor, factor, 'valid');
      // Pooled pixel (u, v) covers original pixels [u·f, u·f + f): original x = f·u + (f − 1)/2.
      const off = (factor - 1) / 2;
      t = { a: t.a * factor, b: t.b * factor, tx: t.tx + t.a * off - t.b * off, ty: t.ty + t.b * off + t.a * off };
    }
    // tf.image.transform maps each *output* pixel to an input location, so it needs output → image.
    const inv = invertSimilarity(t);
    const m = tf.tensor2d([[inv.a, -inv.b, inv.tx, inv.b, inv.a, inv.ty, 0, 0]]);
    const out = tf.image.transform(src, m, 'bilinear', 'constant', 0, size);
    return tf.squeeze(out, [0]) as tf.Tensor3D;
  });
}
