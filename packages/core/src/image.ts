import * as tf from '@tensorflow/tfjs-core';
import { FaceKitError } from './errors.js';
import type { Box } from './types.js';

/**
 * Checks that a tensor is a usable RGB image: rank 3, 3 channels, numeric, at least 1×1, finite values.
 * Reads the values only to look for NaN/Inf (one reduction, disposed).
 *
 * @example
 * assertImageTensor(input); // E_INPUT for a wrong rank, channel count, dtype, size or NaN/Inf values
 */
export function assertImageTensor(image: unknown): asserts image is tf.Tensor3D {
  if (!(image instanceof tf.Tensor)) throw new FaceKitError('E_INPUT', 'expected an image tensor');
  if (image.isDisposed) throw new FaceKitError('E_INPUT', 'the image tensor has been disposed');
  if (image.rank !== 3 || image.shape[2] !== 3) {
    throw new FaceKitError('E_INPUT', `expected an RGB image tensor [height, width, 3], got shape [${image.shape}]`);
  }
  if (image.dtype !== 'float32' && image.dtype !== 'int32') {
    throw new FaceKitError('E_INPUT', `expected an int32 or float32 image tensor, got ${image.dtype}`);
  }
  if (image.shape[0] < 1 || image.shape[1] < 1) throw new FaceKitError('E_INPUT', 'the image is empty');
  if (image.dtype === 'float32') {
    const finite = tf.tidy(() => tf.all(tf.isFinite(image)).dataSync()[0]);
    if (!finite) throw new FaceKitError('E_INPUT', 'the image tensor contains NaN or Infinity');
  }
}

/**
 * The whole image as a box: the fallback face when detection is not enforced.
 *
 * @example
 * const box = wholeImageBox(image); // { x: 0, y: 0, width: image.shape[1], height: image.shape[0] }
 */
export function wholeImageBox(image: tf.Tensor3D): Box {
  return { x: 0, y: 0, width: image.shape[1], height: image.shape[0] };
}

/**
 * Box area in pixels.
 *
 * @example
 * boxArea({ x: 0, y: 0, width: 10, height: 20 }); // 200
 */
export function boxArea(b: Box): number {
  return Math.max(0, b.width) * Math.max(0, b.height);
}
