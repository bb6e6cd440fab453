import * as tf from '@tensorflow/tfjs-core';
import { type RotatedSquare, samplingAffine } from './affine.js';

/**
 * Samples a rotated square region of the image into a [1, cropSize, cropSize, 3] float32 tensor scaled by `scale`
 * (bilinear, black outside the image), in one `tf.image.transform`. Only the region's bounding rectangle is touched,
 * so a face in a 4000×3000 photo costs no more than one in a thumbnail; when the region shrinks by 2× or more, that
 * rectangle is box-filtered first so the sampling does not alias. Returns undefined when the region misses the image.
 */
export function cropRegion(
  image: tf.Tensor3D,
  region: RotatedSquare,
  cropSize: number,
  scale: number,
): tf.Tensor4D | undefined {
  const [h, w] = image.shape;
  const reach = (region.size / 2) * (Math.abs(Math.cos(region.angle)) + Math.abs(Math.sin(region.angle))) + 2;
  const x0 = Math.max(0, Math.floor(region.center[0] - reach));
  const y0 = Math.max(0, Math.floor(region.center[1] - reach));
  const x1 = Math.min(w, Math.ceil(region.center[0] + reach));
  const y1 = Math.min(h, Math.ceil(region.center[1] + reach));
  if (x1 - x0 < 1 || y1 - y0 < 1) return undefined;
  const factor = Math.floor(region.size / cropSize);
  const pool = factor >= 2 && x1 - x0 >= factor && y1 - y0 >= factor ? factor : 1;
  // Output pixel index → image pixel index, then → index in the sliced (and pooled) tensor:
  // pooled pixel u covers slice pixels [u·pool, u·pool + pool), so slice index = pool·u + (pool − 1)/2.
  const m = samplingAffine(region, cropSize);
  const off = (pool - 1) / 2;
  // Without pooling, when the rectangle is a large part of the image (portraits, LFW), the transform samples the
  // whole image directly: the samples are the same, and on wasm slicing costs ~2.5× as much per element as the
  // cast of the whole image that replaces it.
  const direct = pool === 1 && (x1 - x0) * (y1 - y0) >= 0.4 * w * h;
  const [sx, sy] = direct ? [0, 0] : [x0, y0];
  const row = [m.a / pool, m.b / pool, (m.c - sx - off) / pool, m.d / pool, m.e / pool, (m.f - sy - off) / pool, 0, 0];
  return tf.tidy(() => {
    const part = direct ? image : tf.slice(image, [y0, x0, 0], [y1 - y0, x1 - x0, 3]);
    let src = tf.expandDims(tf.cast(part, 'float32'), 0) as tf.Tensor4D;
    if (pool > 1) src = tf.avgPool(src, pool, pool, 'valid');
    const out = tf.image.transform(src, tf.tensor2d([row]), 'bilinear', 'constant', 0, [cropSize, cropSize]);
    return tf.mul(out, scale) as tf.Tensor4D;
  });
}
