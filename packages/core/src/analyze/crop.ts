import * as tf from '@tensorflow/tfjs-core';
import type { Box } from '../types.js';
import type { FaceCrop } from './types.js';

/**
 * The square crop box of a face as [y1, x1, y2, x2] fractions of the image (tf.image.cropAndResize's form): centred
 * on the detector's box, `scale` × its longer side. Fractions are of the image's height and width (not height − 1),
 * as @vladmandic/human cuts its face tensor, so crops match the source of the human-models analysers.
 *
 * @example
 * cropBoxOf({ x: 50, y: 50, width: 100, height: 100 }, 200, 200, 1.4); // [0.15, 0.15, 0.85, 0.85]
 */
export function cropBoxOf(
  box: Box,
  imageHeight: number,
  imageWidth: number,
  scale: number,
): [number, number, number, number] {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const half = (scale * Math.max(box.width, box.height)) / 2;
  return [(cy - half) / imageHeight, (cx - half) / imageWidth, (cy + half) / imageHeight, (cx + half) / imageWidth];
}

/**
 * All faces of one image cut out at once: [n, size, size, 3] float32 0..255 (bilinear; outside the image is 0).
 * One batched op for any number of faces: time grows with n × size², memory with n × size² × 3 floats.
 *
 * @example
 * const crops = cropFaces(image, faces.map((f) => f.box), { scale: 1.4, size: 192 }); // dispose it
 */
export function cropFaces(image: tf.Tensor3D, boxes: Box[], crop: FaceCrop): tf.Tensor4D {
  const [h, w] = image.shape;
  return tf.tidy(() => {
    if (boxes.length === 0) return tf.zeros([0, crop.size, crop.size, 3]) as tf.Tensor4D;
    const batch = tf.expandDims(tf.cast(image, 'float32'), 0) as tf.Tensor4D;
    const rects = tf.tensor2d(boxes.map((b) => cropBoxOf(b, h, w, crop.scale)));
    const index = tf.zeros([boxes.length], 'int32') as tf.Tensor1D;
    return tf.image.cropAndResize(batch, rects, index, [crop.size, crop.size], 'bilinear');
  });
}
