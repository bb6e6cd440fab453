import type { FivePoints, Point } from '@facekit/core';

/**
 * Mouth width over eye-centre distance in the standard 5-point alignment template (InsightFace's ArcFace template:
 * eyes 35.24 px apart, mouth corners 29.18 px apart on a 112×112 face).
 *
 * @example
 * const mouthWidth = MOUTH_TO_EYE_WIDTH * eyeDistance;
 */
export const MOUTH_TO_EYE_WIDTH = 0.828;

/**
 * The five alignment points from BlazeFace's keypoints. BlazeFace gives the mouth centre, not its corners, so the
 * corners are estimated: the mouth centre ± half the template mouth width, along the eye line (so they follow the
 * face's roll). Good enough to align on; a landmarker replaces them with measured corners.
 *
 * @example
 * const five = fiveFromKeypoints([100, 120], [160, 120], [130, 150], [130, 180]); // mouth corners estimated
 */
export function fiveFromKeypoints(rightEye: Point, leftEye: Point, nose: Point, mouth: Point): FivePoints {
  const hx = ((leftEye[0] - rightEye[0]) * MOUTH_TO_EYE_WIDTH) / 2;
  const hy = ((leftEye[1] - rightEye[1]) * MOUTH_TO_EYE_WIDTH) / 2;
  return [rightEye, leftEye, nose, [mouth[0] - hx, mouth[1] - hy], [mouth[0] + hx, mouth[1] + hy]];
}
