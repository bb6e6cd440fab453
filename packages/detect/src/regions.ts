import type { Face, Point, Point3 } from '@facekit/core';
import type { RotatedSquare } from './affine.js';
import { rawDetection } from './raw-detections.js';

/** MediaPipe's face-landmark ROI: the detection box's long side × 1.5, turned so the eyes are level. */
export const ROI_SCALE = 1.5;

/** Angle of the line from the subject's right eye to the left eye (0 when level, clockwise positive). */
export function eyeAngle(rightEye: Point, leftEye: Point): number {
  return Math.atan2(leftEye[1] - rightEye[1], leftEye[0] - rightEye[0]);
}

/**
 * The landmark model's input region for a detected face: centred on the detector's (unclipped, when known) box,
 * its long side × ROI_SCALE, rotated by the eye line when the face has eye points.
 */
export function regionFromDetection(face: Face): RotatedSquare {
  const raw = rawDetection(face);
  const box = raw?.box ?? face.box;
  const eyes = raw ? [raw.keypoints[0], raw.keypoints[1]] : face.five ? [face.five[0], face.five[1]] : undefined;
  return {
    center: [box.x + box.width / 2, box.y + box.height / 2],
    size: Math.max(box.width, box.height) * ROI_SCALE,
    angle: eyes ? eyeAngle(eyes[0], eyes[1]) : 0,
  };
}

/**
 * The region for a second look, from a first mesh (MediaPipe's tracking ROI): the mesh's extent measured in the
 * frame turned by `angle`, its long side × ROI_SCALE. Points are pixel-index coordinates; the region is continuous.
 */
export function regionFromMesh(mesh: Point3[], angle: number): RotatedSquare {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  let minU = Infinity;
  let maxU = -Infinity;
  let minV = Infinity;
  let maxV = -Infinity;
  for (const [x, y] of mesh) {
    const u = cos * x + sin * y;
    const v = -sin * x + cos * y;
    minU = Math.min(minU, u);
    maxU = Math.max(maxU, u);
    minV = Math.min(minV, v);
    maxV = Math.max(maxV, v);
  }
  const cu = (minU + maxU) / 2;
  const cv = (minV + maxV) / 2;
  return {
    center: [cos * cu - sin * cv + 0.5, sin * cu + cos * cv + 0.5],
    size: Math.max(maxU - minU, maxV - minV) * ROI_SCALE,
    angle,
  };
}
