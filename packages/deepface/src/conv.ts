import * as tf from '@tensorflow/tfjs-core';
import './gradients.js';

/**
 * dL/dW of a stride-1 'valid' conv2d, computed with a forward conv2d: the batch becomes the channel axis,
 * `dW[i,j,ci,co] = Σ_{n,r,c} x[n, r+i, c+j, ci] · dy[n, r, c, co]`. Used where the backend has no
 * Conv2DBackpropFilter kernel (tfjs-backend-wasm 4.x lacks it) or where it is slow (tfjs-backend-cpu).
 *
 * @example
 * const dw = conv2dFilterGrad(x, dy, [11, 11, 3, 32]);
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number]) {
  return tf.tidy(() => {
    const xt = tf.transpose(x, [3, 1, 2, 0]); // [ci, h, w, n]
    const ft = tf.transpose(dy, [1, 2, 0, 3]); // [oh, ow, n, co]
    const r = tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 1, 'valid'); // [ci, kh, kw, co]
    const dw = tf.transpose(r, [1, 2, 0, 3]) as tf.Tensor4D;
    if (dw.shape.some((d, i) => d !== filterShape[i])) throw new Error(`filter grad shape [${dw.shape}]`);
    return dw;
  });
}

/**
 * Stride-1 valid conv2d whose filter gradient is {@link conv2dFilterGrad}; the input gradient is the usual one, or
 * zeros when `inputGradient` is false (the first layer of a network being trained: nothing consumes it).
 */
function portableConv(inputGradient: boolean) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, w, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.conv2d(x, w, 1, 'valid'),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const d = dy as tf.Tensor4D;
        return [
          inputGradient ? tf.conv2dTranspose(d, ws, xs.shape, 1, 'valid') : tf.zerosLike(xs),
          conv2dFilterGrad(xs, d, ws.shape as [number, number, number, number]),
        ];
      },
    };
  }) as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
}
const convWithInputGrad = portableConv(true);
const convFilterGradOnly = portableConv(false);

/**
 * `relu(conv2d(x, w, stride 1, valid) + b)`, differentiable on every backend with a filter gradient built from a
 * forward convolution: tfjs-backend-wasm has no Conv2DBackpropFilter kernel, and the cpu backend's is ~50× slower
 * than its forward conv at these shapes. `inputGradient: false` skips dL/dx (zeros), for a network's first layer.
 *
 * @example
 * const y = conv2dReluValid(x, kernel, bias); // x [n, 152, 152, 3], kernel [11, 11, 3, 32] → [n, 142, 142, 32]
 */
export function conv2dReluValid(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  b: tf.Tensor,
  options: { inputGradient?: boolean } = {},
): tf.Tensor4D {
  const conv = options.inputGradient === false ? convFilterGradOnly : convWithInputGrad;
  return tf.tidy(() => tf.relu(tf.add(conv(x, w), b)) as tf.Tensor4D);
}
