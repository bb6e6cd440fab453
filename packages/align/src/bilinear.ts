import * as tf from '@tensorflow/tfjs-core';

/** Flat indices below this are exact in float32, where index arithmetic is much faster than int32 on wasm. */
const EXACT_FLOAT = 2 ** 24;

/**
 * Bilinear samples of an RGB image batch flattened to `flat` [batch·h·w·3, 1] (any dtype) at m pixel coordinates
 * (sx, sy) [m] (pixel centres at integers). `offset` [m] is each point's item offset b·h·w·3 (omit for one image);
 * `gain` [m] scales each point's result. Returns [3, m] float32 (channel-major). Four gatherND per channel block on
 * the flattened image; neighbours outside the image count as black. Per-point work is on m values and only the
 * gathers run per channel; all ops are element-wise on tensors of one shape, with scalars, or axis-0 concats
 * (broadcasting binary ops and boolean ops are slow on the wasm backend).
 *
 * @example
 * const rgb = sampleBilinear(tf.reshape(img, [h * w * 3, 1]), sx, sy, h, w); // [3, m]
 */
export function sampleBilinear(
  flat: tf.Tensor,
  sx: tf.Tensor,
  sy: tf.Tensor,
  h: number,
  w: number,
  options: { offset?: tf.Tensor; gain?: tf.Tensor } = {},
): tf.Tensor2D {
  return tf.tidy(() => {
    const m = sx.shape[0] as number;
    const x0 = tf.floor(sx);
    const y0 = tf.floor(sy);
    const fx = tf.sub(sx, x0);
    const fy = tf.sub(sy, y0);
    // 1 when integer v lies in [0, size), else 0, without boolean ops: clip(v + 1, 0, 1) · clip(size − v, 0, 1).
    const inside = (v: tf.Tensor, size: number) =>
      tf.mul(tf.clipByValue(tf.add(v, 1), 0, 1), tf.clipByValue(tf.sub(size, v), 0, 1));
    const x1 = tf.add(x0, 1);
    const y1 = tf.add(y0, 1);
    const wx0 = tf.mul(tf.sub(1, fx), inside(x0, w));
    const wx1 = tf.mul(fx, inside(x1, w));
    let wy0 = tf.mul(tf.sub(1, fy), inside(y0, h));
    let wy1 = tf.mul(fy, inside(y1, h));
    if (options.gain) {
      wy0 = tf.mul(wy0, options.gain);
      wy1 = tf.mul(wy1, options.gain);
    }
    // Flat index (y·w + x)·3 (+ item offset) of each tap's red value, clamped into the image (the tap's weight is 0
    // where it was outside); green and blue follow at +1, +2.
    const dtype = flat.shape[0] < EXACT_FLOAT ? 'float32' : 'int32';
    const part = (v: tf.Tensor, size: number, stride: number) =>
      tf.mul(tf.cast(tf.clipByValue(v, 0, size - 1), dtype), tf.scalar(stride, dtype));
    let Y0 = part(y0, h, 3 * w);
    let Y1 = part(y1, h, 3 * w);
    if (options.offset) {
      const o = tf.cast(options.offset, dtype);
      Y0 = tf.add(Y0, o);
      Y1 = tf.add(Y1, o);
    }
    const X0 = part(x0, w, 3);
    const X1 = part(x1, w, 3);
    const tap = (yi: tf.Tensor, xi: tf.Tensor, weight: tf.Tensor) => {
      const red = tf.add(yi, xi);
      const index = tf.cast(
        tf.concat([red, tf.add(red, tf.scalar(1, dtype)), tf.add(red, tf.scalar(2, dtype))]),
        'int32',
      );
      const values = tf.cast(tf.gatherND(flat, tf.reshape(index, [3 * m, 1])), 'float32');
      return tf.mul(tf.reshape(values, [3 * m]), tf.concat([weight, weight, weight]));
    };
    const sum = tf.addN([
      tap(Y0, X0, tf.mul(wy0, wx0)),
      tap(Y0, X1, tf.mul(wy0, wx1)),
      tap(Y1, X0, tf.mul(wy1, wx0)),
      tap(Y1, X1, tf.mul(wy1, wx1)),
    ]);
    return tf.reshape(sum, [3, m]) as tf.Tensor2D;
  });
}
