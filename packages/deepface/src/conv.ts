import * as tf from '@tensorflow/tfjs-core';
import { conv2dFilterGrad } from '@facekit/core/training';

/**
 * Stride-1 valid conv2d whose filter gradient is the training layer's one filter-gradient kernel (core's
 * `conv2dFilterGrad`, registered by `@facekit/deepface/train`); the input gradient is the usual one, or zeros when
 * `inputGradient` is false (the first layer of a network being trained: nothing consumes it).
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
