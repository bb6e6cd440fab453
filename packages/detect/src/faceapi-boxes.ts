// What face-api.js's box-only detectors (Tiny Face Detector, SSD MobileNetV1) share: the square network input, the
// box options, and the five alignment points from MediaPipe FaceMesh run on each box.
import { type Face, FaceKitError, type Landmarker, type ModelContext } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { FaceMeshLandmarker } from './facemesh.js';
import type { Corners } from './mtcnn-boxes.js';

/**
 * Loads the FaceMesh landmarker that gives a box detector its five points; disposes the detector's `weights` when
 * that fails, so a failed `load` leaks nothing.
 *
 * @example
 * const landmarker = await loadFaceMeshFor(ctx, weights);
 */
export async function loadFaceMeshFor(ctx: ModelContext, weights: tf.NamedTensorMap): Promise<Landmarker> {
  try {
    return await FaceMeshLandmarker.load(ctx);
  } catch (cause) {
    tf.dispose(Object.values(weights));
    throw cause;
  }
}

/**
 * The checked `minScore` (default 0.5, face-api.js's) and `maxFaces` (default 20) of a box detector's options.
 *
 * @example
 * const { minScore, maxFaces } = boxOptions({ minScore: 0.6 });
 */
export function boxOptions(options: { minScore?: number; maxFaces?: number }): { minScore: number; maxFaces: number } {
  const minScore = options.minScore ?? 0.5;
  const maxFaces = options.maxFaces ?? 20;
  if (!(minScore >= 0 && minScore <= 1)) throw new FaceKitError('E_CONFIG', 'minScore must be in [0, 1]');
  if (!Number.isInteger(maxFaces) || maxFaces < 1) throw new FaceKitError('E_CONFIG', 'maxFaces must be ≥ 1');
  return { minScore, maxFaces };
}

/**
 * The image as a [1, size, size, 3] float batch in 0…255: padded to a square at the bottom and right with black,
 * box-filtered when the square is twice `size` or more, resized to `size`². Call inside `tf.tidy`.
 *
 * @example
 * const x = tf.tidy(() => tf.div(squareInput(image, 416), 255));
 */
export function squareInput(image: tf.Tensor3D, size: number): tf.Tensor4D {
  const [height, width] = image.shape;
  const side = Math.max(height, width);
  let x = tf.expandDims(tf.cast(image, 'float32'), 0) as tf.Tensor4D;
  x = tf.pad(x, [
    [0, 0],
    [0, side - height],
    [0, side - width],
    [0, 0],
  ]);
  const pool = Math.floor(side / size);
  if (pool >= 2) x = tf.avgPool(x, pool, pool, 'valid');
  return tf.image.resizeBilinear(x, [size, size]);
}

/**
 * Faces from a box detector's boxes: each clipped to the image (dropped when under a pixel), its five points from
 * the landmarker; a face whose mesh is not trusted keeps its box without `five`.
 *
 * @example
 * const faces = await facesOnBoxes(image, await tiny.boxes(image), landmarker, 'tiny-face');
 */
export async function facesOnBoxes(
  image: tf.Tensor3D,
  found: ReadonlyArray<{ box: Corners; score: number }>,
  landmarker: Landmarker,
  detector: string,
): Promise<Face[]> {
  const [height, width] = image.shape;
  const faces: Face[] = [];
  for (const { box, score } of found) {
    const x1 = Math.max(0, box[0]);
    const y1 = Math.max(0, box[1]);
    const x2 = Math.min(width, box[2]);
    const y2 = Math.min(height, box[3]);
    if (x2 - x1 < 1 || y2 - y1 < 1) continue;
    const face: Face = { box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }, score, detector };
    const refined = await landmarker.refine(image, face);
    faces.push(refined.five ? { ...face, five: refined.five } : face);
  }
  return faces;
}
