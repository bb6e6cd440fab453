import type { AlignmentTemplate, Point } from '@facekit/core';

/**
 * InsightFace's 5-point template for 112×112 crops (eye centres, nose tip, mouth corners, image-left first): the
 * de-facto standard `source: 'five'` alignment.
 *
 * @example
 * const [leftEye, rightEye] = ARCFACE_112; // [38.2946, 51.6963], [73.5318, 51.5014]
 */
export const ARCFACE_112: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/**
 * The InsightFace template scaled to `size`, then scaled by `zoom` about the crop centre (zoom < 1 shows more of the
 * head around the face).
 *
 * @example
 * const t = arcfaceTemplate(160, 0.85); // FaceNet's template
 */
export function arcfaceTemplate(size: number, zoom = 1): AlignmentTemplate {
  const c = size / 2;
  const points = ARCFACE_112.map(
    ([x, y]): Point => [c + ((x * size) / 112 - c) * zoom, c + ((y * size) / 112 - c) * zoom],
  );
  return { size: [size, size], source: 'five', points };
}

/**
 * OpenFace's own alignment as five points, in fractions of the crop: from OpenFace's dlib mean-shape template
 * (`align_dlib.py` TEMPLATE, min-max normalised to the crop as its `align(imgDim, ...)` does), eye centres = mean of
 * points 36–41 / 42–47, nose tip = point 30, mouth corners = points 48 / 54. nn4.small2.v1 was trained on these
 * tight crops (brows to chin fill the 96×96 image).
 *
 * @example
 * const points = OPENFACE_FIVE.map(([x, y]) => [x * 96, y * 96]); // what openfaceTemplate(96) uses
 */
export const OPENFACE_FIVE: readonly Point[] = [
  [0.2774, 0.1673],
  [0.7061, 0.159],
  [0.4921, 0.4221],
  [0.3071, 0.6418],
  [0.6954, 0.6341],
];

/**
 * OpenFace's 5-point template at `size` (96 for nn4.small2.v1).
 *
 * @example
 * const t = openfaceTemplate(); // { size: [96, 96], source: 'five', points: [[26.6, 16.1], ...] }
 */
export function openfaceTemplate(size = 96): AlignmentTemplate {
  return { size: [size, size], source: 'five', points: OPENFACE_FIVE.map(([x, y]): Point => [x * size, y * size]) };
}
