import {
  type AlignmentTemplate,
  type Aligner,
  type Box,
  type Face,
  FaceKitError,
  type Point,
  models,
} from '@facekit/core';
import type * as tf from '@tensorflow/tfjs-core';
import { estimateSimilarity } from './similarity.js';
import { warpSimilarity } from './warp.js';

/**
 * The face points a template positions, or undefined when the face has none (e.g. the whole-image fallback).
 *
 * @example
 * const src = templateSourcePoints(face, template); // face.five or landmarks 17–67, per template.source
 * if (!src) console.log('no points: the aligner falls back to the box');
 */
export function templateSourcePoints(face: Face, template: AlignmentTemplate): Point[] | undefined {
  if (template.source === 'five') return face.five;
  if (template.source === 'landmarks51') return face.landmarks?.length === 68 ? face.landmarks.slice(17) : undefined;
  throw new FaceKitError('E_CONFIG', `unknown template source '${String(template.source)}'`);
}

/**
 * Box → output similarity for faces without points: the box's centre goes to the output centre and its larger side
 * fills the output (square, no distortion).
 *
 * @example
 * const t = boxSimilarity({ x: 40, y: 30, width: 100, height: 120 }, [150, 150]);
 * const chip = warpSimilarity(image, t, [150, 150]);
 */
export function boxSimilarity(box: Box, size: [number, number]) {
  const [h, w] = size;
  const s = Math.min(w, h) / Math.max(box.width, box.height, 1e-6);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return { a: s, b: 0, tx: w / 2 - s * cx, ty: h / 2 - s * cy };
}

/**
 * '2d': least-squares similarity (Umeyama) from the face's points onto the embedder's template. Faces without the
 * needed points (whole-image fallback, landmarker off) fall back to the box crop.
 *
 * @example
 * const chip = new SimilarityAligner().align(image, face, models.embedders.get('dlib-resnet34').template);
 * chip.shape; // [150, 150, 3]
 */
export class SimilarityAligner implements Aligner {
  readonly name = '2d';
  align(image: tf.Tensor3D, face: Face, template: AlignmentTemplate): tf.Tensor3D {
    const src = templateSourcePoints(face, template);
    if (src && src.length !== template.points.length) {
      throw new FaceKitError(
        'E_CONFIG',
        `template has ${template.points.length} points but the face provides ${src.length} for '${template.source}'`,
      );
    }
    const t = src ? estimateSimilarity(src, template.points) : boxSimilarity(face.box, template.size);
    return warpSimilarity(image, t, template.size);
  }
}

/**
 * 'none': the detected box, made square around its centre, resized to the embedder's input. No rotation.
 *
 * @example
 * const chip = new BoxCropAligner().align(image, face, template); // the box, squared, no rotation
 */
export class BoxCropAligner implements Aligner {
  readonly name = 'none';
  align(image: tf.Tensor3D, face: Face, template: AlignmentTemplate): tf.Tensor3D {
    return warpSimilarity(image, boxSimilarity(face.box, template.size), template.size);
  }
}

models.aligners.register({
  name: '2d',
  description: "2D similarity alignment (Umeyama least squares) of the face's points onto the embedder's template",
  create: async () => new SimilarityAligner(),
});
models.aligners.register({
  name: 'none',
  description: 'No alignment: the detected box, squared and resized to the embedder input',
  create: async () => new BoxCropAligner(),
});
