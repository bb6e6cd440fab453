import type { Point, Point3 } from '@facekit/core';
import {
  GENERIC_FACE_68_INT,
  GENERIC_FACE_FIVE_INT,
  GENERIC_FACE_MESH_TO_68,
  GENERIC_FACE_SCALE,
  MEAN_FACE_MESH_INT,
} from '../generic-face-3d.js';

function unpack3(ints: readonly number[]): Point3[] {
  const out: Point3[] = [];
  for (let i = 0; i < ints.length; i += 3) {
    out.push([ints[i] * GENERIC_FACE_SCALE, ints[i + 1] * GENERIC_FACE_SCALE, ints[i + 2] * GENERIC_FACE_SCALE]);
  }
  return out;
}

/**
 * The generic 3D face at the 68 iBUG points (DeepFace's "generic 3D shape"): the mean FaceMesh over near-frontal LFW
 * DevTrain faces, left-right symmetric, centred on the 68 points' centroid with RMS (x, y) radius 1; x image-right,
 * y down, z away from the camera. See `generic-face-3d.ts` for the provenance and the script that rebuilds it.
 *
 * @example
 * const noseTip = GENERIC_FACE_68[30]; // [0, -0.077, -0.75]: on the midline, nearest the camera
 */
export const GENERIC_FACE_68: readonly Point3[] = unpack3(GENERIC_FACE_68_INT);

/**
 * The mean FaceMesh (468 vertices, FaceMesh's order) in the units of {@link GENERIC_FACE_68}.
 *
 * @example
 * const [x, y, z] = MEAN_FACE_MESH[1]; // FaceMesh vertex 1 (nose tip) of the mean face
 */
export const MEAN_FACE_MESH: readonly Point3[] = unpack3(MEAN_FACE_MESH_INT);

/**
 * The generic face's five alignment points (eye centres, nose tip, mouth corners; image-left first), (x, y).
 *
 * @example
 * const [rightEye, leftEye, nose, mouthR, mouthL] = GENERIC_FACE_FIVE;
 */
export const GENERIC_FACE_FIVE: readonly Point[] = Array.from({ length: 5 }, (_, i) => [
  GENERIC_FACE_FIVE_INT[2 * i] * GENERIC_FACE_SCALE,
  GENERIC_FACE_FIVE_INT[2 * i + 1] * GENERIC_FACE_SCALE,
]);

/**
 * FaceMesh vertex of each iBUG point (as used to build {@link GENERIC_FACE_68}).
 *
 * @example
 * const chin = MEAN_FACE_MESH[MESH_TO_68[8]]; // iBUG point 8, the chin
 */
export const MESH_TO_68: readonly number[] = GENERIC_FACE_MESH_TO_68;

/**
 * FaceMesh's face oval (MediaPipe's FACEMESH_FACE_OVAL contour), from the top of the forehead clockwise on screen.
 * The upper part (from the subject's right temple over the forehead to the left temple) closes the iBUG jaw line.
 *
 * @example
 * const outline = MESH_FACE_OVAL.map((i) => face.mesh![i]); // the face's contour, forehead first
 */
export const MESH_FACE_OVAL: readonly number[] = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
  172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];

/**
 * The forehead part of the face oval, between iBUG points 0 (mesh 162) and 16 (mesh 389), image-left to right.
 *
 * @example
 * const forehead = MESH_FOREHEAD.map((i) => MEAN_FACE_MESH[i]);
 */
export const MESH_FOREHEAD: readonly number[] = [21, 54, 103, 67, 109, 10, 338, 297, 332, 284, 251];
