// Shared helpers of the LFW-based detect tests: which images, and image surgery done with tensors.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { lfwDir, lfwImage, readImageTensor, readPairs } from '../../../test/utils.js';

/**
 * The reference cpu backend runs these models ~60× slower than wasm (1.3 s per BlazeFace look): on it the LFW tests
 * use fewer images and calls, so that each file stays around a minute. `count(wasm, cpu)` picks the number.
 */
export const slowBackend = tf.getBackend() === 'cpu';
export const count = (fast: number, slow: number) => (slowBackend ? slow : fast);

/** The first `n` distinct images of View 1 pairsDevTrain, in file order. */
export async function firstDevTrainImages(n: number): Promise<Array<[string, number]>> {
  const pairs = await readPairs(join(lfwDir, 'pairsDevTrain.txt'));
  const seen = new Set<string>();
  const out: Array<[string, number]> = [];
  for (const p of pairs) {
    for (const img of [p.a, p.b]) {
      const key = img.join('/');
      if (!seen.has(key) && out.length < n) {
        seen.add(key);
        out.push(img);
      }
    }
  }
  return out;
}

export function readLfw([name, index]: [string, number]): Promise<tf.Tensor3D> {
  return readImageTensor(lfwImage(name, index));
}

/** Pastes `image` into a width×height canvas of value `fill` at (x, y). */
export function pasteInto(image: tf.Tensor3D, width: number, height: number, x: number, y: number, fill = 0) {
  const [h, w] = image.shape;
  return tf.tidy(() =>
    tf.pad(
      image,
      [
        [y, height - h - y],
        [x, width - w - x],
        [0, 0],
      ],
      fill,
    ),
  ) as tf.Tensor3D;
}

/** Resizes to [height, width] (bilinear, pixel-centre aligned: coordinates scale exactly), keeping int32. */
export function resize(image: tf.Tensor3D, height: number, width: number): tf.Tensor3D {
  return tf.tidy(() =>
    tf.cast(tf.round(tf.image.resizeBilinear(image, [height, width], false, true)), 'int32'),
  ) as tf.Tensor3D;
}

/** Rotates about the image centre by `deg` (clockwise on screen), same size, black corners. */
export function rotate(image: tf.Tensor3D, deg: number): tf.Tensor3D {
  const [h, w] = image.shape;
  const a = (deg * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  // transform() maps output → input: input = Rᵀ(output − centre) + centre.
  const row = [c, s, cx - c * cx - s * cy, -s, c, cy + s * cx - c * cy, 0, 0];
  return tf.tidy(() => {
    const batch = tf.expandDims(tf.cast(image, 'float32'), 0) as tf.Tensor4D;
    const out = tf.image.transform(batch, tf.tensor2d([row]), 'bilinear', 'constant', 0, [h, w]);
    return tf.squeeze(out, [0]) as tf.Tensor3D;
  });
}

/** The point p of the original image after rotate(image, deg). */
export function rotatePoint(p: [number, number], deg: number, width: number, height: number): [number, number] {
  const a = (deg * Math.PI) / 180;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const dx = p[0] - cx;
  const dy = p[1] - cy;
  return [Math.cos(a) * dx - Math.sin(a) * dy + cx, Math.sin(a) * dx + Math.cos(a) * dy + cy];
}

export function dist(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}
