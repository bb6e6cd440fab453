import type { AlignmentTemplate, Point } from '@facekit/core';

/**
 * dlib's mean face shape for landmarks 17..67 of the iBUG 68-point scheme (brows, nose, eyes, mouth), in units of
 * the shape's extent: `mean_face_shape_x/y` of dlib's `get_face_chip_details` (dlib/image_transforms/interpolation.h).
 *
 * @example
 * const outerBrow = [DLIB_MEAN_FACE_X[0], DLIB_MEAN_FACE_Y[0]]; // landmark 17 of the mean face
 */
export const DLIB_MEAN_FACE_X: readonly number[] = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127,
  0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606,
  0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149, 0.340985, 0.428858, 0.490127,
  0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127,
  0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
/**
 * The y coordinates matching {@link DLIB_MEAN_FACE_X} (landmarks 17..67, units of the shape's extent).
 *
 * @example
 * const meanFace = DLIB_MEAN_FACE_X.map((x, i) => [x, DLIB_MEAN_FACE_Y[i]]);
 */
export const DLIB_MEAN_FACE_Y: readonly number[] = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352,
  0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852,
  0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099, 0.780233, 0.745405,
  0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805, 0.784792,
  0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182,
];

/**
 * The chip dlib's face recogniser expects: `get_face_chip_details(shape, size, padding)` maps mean-shape point m to
 * (padding + m) / (2·padding + 1) · size. dlib's recognition example uses size 150, padding 0.25.
 *
 * @example
 * const t = dlibChipTemplate(); // { size: [150, 150], source: 'landmarks51', points: 51 points }
 */
export function dlibChipTemplate(size = 150, padding = 0.25): AlignmentTemplate {
  const k = size / (2 * padding + 1);
  const points: Point[] = DLIB_MEAN_FACE_X.map((x, i) => [(padding + x) * k, (padding + DLIB_MEAN_FACE_Y[i]) * k]);
  return { size: [size, size], source: 'landmarks51', points };
}
