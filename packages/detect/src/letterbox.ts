import * as tf from '@tensorflow/tfjs-core';

/** How letterbox coordinates relate to the image: image = (letterbox − pad) / scale, per axis (continuous coords). */
export interface LetterboxMapping {
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
}

/**
 * Fits an RGB image into a size×size square keeping its aspect ratio (centred, black bars), as float32 in [-1, 1]
 * with a batch axis: [1, size, size, 3]. Large images are first box-filtered by an integer factor so that the bilinear
 * resize does not alias (a 4000-px photo would otherwise be sampled at 1 pixel in 16). `fill` < 1 zooms out: the
 * image's long side takes that fraction of the square (for faces that fill the frame). The caller disposes the tensor.
 */
export function letterbox(
  image: tf.Tensor3D,
  size: number,
  fill = 1,
): { input: tf.Tensor4D; mapping: LetterboxMapping } {
  const [h, w] = image.shape;
  const long = Math.max(h, w);
  const target = Math.max(1, Math.round(size * fill));
  const pool = Math.floor(long / target);
  const usePool = pool >= 2 && Math.min(h, w) >= pool;
  // Pooled dimensions: 'valid' pooling drops the last (h mod pool) rows, which maps exactly (x_in = pool · x_pooled).
  const ph = usePool ? Math.floor(h / pool) : h;
  const pw = usePool ? Math.floor(w / pool) : w;
  const fit = target / Math.max(ph, pw);
  const nh = Math.min(target, Math.max(1, Math.round(ph * fit)));
  const nw = Math.min(target, Math.max(1, Math.round(pw * fit)));
  const padY = Math.floor((size - nh) / 2);
  const padX = Math.floor((size - nw) / 2);
  const input = tf.tidy(() => {
    let x = tf.expandDims(tf.cast(image, 'float32'), 0) as tf.Tensor4D;
    if (usePool) x = tf.avgPool(x, pool, pool, 'valid');
    // halfPixelCenters makes the resize an exact scale of continuous coordinates: x_out = x_in · nw / pw.
    if (nh !== ph || nw !== pw) x = tf.image.resizeBilinear(x, [nh, nw], false, true);
    const normalized = tf.sub(tf.div(x, 127.5), 1);
    return tf.pad(
      normalized,
      [
        [0, 0],
        [padY, size - nh - padY],
        [padX, size - nw - padX],
        [0, 0],
      ],
      -1,
    ) as tf.Tensor4D;
  });
  const f = usePool ? pool : 1;
  return { input, mapping: { scaleX: nw / pw / f, scaleY: nh / ph / f, padX, padY } };
}
