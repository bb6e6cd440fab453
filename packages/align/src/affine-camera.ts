import { FaceKitError, type Point, type Point3 } from '@facekit/core';

/**
 * An affine camera: the 2×4 matrix P (row-major, 8 numbers) with image = P · [X, Y, Z, 1]. It models any rotation,
 * scale and translation of a 3D shape seen from far away (weak perspective), plus shear.
 *
 * @example
 * const P: AffineCamera = fitAffineCamera(GENERIC_FACE_68, face.landmarks!);
 * const [x, y] = projectAffine(P, [0, 0, 0]); // where the generic face's centre lands in the image
 */
export type AffineCamera = readonly [number, number, number, number, number, number, number, number];

/** Solves the 3×3 system m · x = v (Gaussian elimination with partial pivoting); undefined when singular. */
function solve3(m: number[][], v: number[]): number[] | undefined {
  const a = m.map((row, i) => [...row, v[i]]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    if (!(Math.abs(a[p][c]) > 1e-12)) return undefined;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = c + 1; r < 3; r++) {
      const f = a[r][c] / a[c][c];
      for (let k = c; k < 4; k++) a[r][k] -= f * a[c][k];
    }
  }
  const x = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    let s = a[r][3];
    for (let k = r + 1; k < 3; k++) s -= a[r][k] * x[k];
    x[r] = s / a[r][r];
  }
  return x;
}

/**
 * Least-squares affine map from 3D points onto observations with `dims` coordinates: each output coordinate is
 * L · [X, Y, Z] + t, solved on centred data (so the 3×3 normal equations are well conditioned). Returns `dims` rows
 * of [l1, l2, l3, t].
 *
 * @example
 * const [xRow, yRow] = fitAffine3D(GENERIC_FACE_68, landmarks, 2); // each row: [l1, l2, l3, t]
 */
export function fitAffine3D(
  model: readonly Point3[],
  observed: readonly (readonly number[])[],
  dims: number,
): number[][] {
  const n = model.length;
  if (n !== observed.length || n < 4) {
    throw new FaceKitError('E_INPUT', `an affine fit needs ≥ 4 matching points (got ${n} and ${observed.length})`);
  }
  const mc = [0, 0, 0];
  const oc = new Array<number>(dims).fill(0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) mc[k] += model[i][k] / n;
    for (let k = 0; k < dims; k++) oc[k] += observed[i][k] / n;
  }
  const m = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const v = Array.from({ length: dims }, () => [0, 0, 0]);
  for (let i = 0; i < n; i++) {
    const d = [model[i][0] - mc[0], model[i][1] - mc[1], model[i][2] - mc[2]];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) m[r][c] += d[r] * d[c];
      for (let k = 0; k < dims; k++) v[k][r] += d[r] * (observed[i][k] - oc[k]);
    }
  }
  return v.map((vk, k) => {
    const l = solve3(m, vk);
    if (!l?.every(Number.isFinite)) {
      throw new FaceKitError('E_INPUT', 'the 3D points are degenerate (coplanar or not finite); cannot fit a camera');
    }
    return [l[0], l[1], l[2], oc[k] - (l[0] * mc[0] + l[1] * mc[1] + l[2] * mc[2])];
  });
}

/**
 * Least-squares affine camera P (2×4) that projects the 3D `model` points onto the 2D `image` points, as DeepFace
 * fits its generic 3D shape to the detected fiducials (Taigman et al. 2014, §2). The residuals image − P·model are
 * what is identity-specific (or noise) and not explained by pose.
 *
 * @example
 * const P = fitAffineCamera(GENERIC_FACE_68, face.landmarks!);
 * const nose = projectAffine(P, GENERIC_FACE_68[30]); // ≈ face.landmarks[30]
 */
export function fitAffineCamera(model: readonly Point3[], image: readonly Point[]): AffineCamera {
  const [r0, r1] = fitAffine3D(model, image, 2);
  return [r0[0], r0[1], r0[2], r0[3], r1[0], r1[1], r1[2], r1[3]];
}

/**
 * P · [X, Y, Z, 1].
 *
 * @example
 * const P = fitAffineCamera(GENERIC_FACE_68, face.landmarks!);
 * const noseInImage = projectAffine(P, GENERIC_FACE_68[30]);
 */
export function projectAffine(P: AffineCamera, p: Point3): Point {
  return [P[0] * p[0] + P[1] * p[1] + P[2] * p[2] + P[3], P[4] * p[0] + P[5] * p[1] + P[6] * p[2] + P[7]];
}

/**
 * Scale of the camera's frontal part: √|det| of the 2×2 block that maps model (X, Y) to image (x, y).
 *
 * @example
 * const pixelsPerUnit = affineCameraScale(fitAffineCamera(GENERIC_FACE_68, face.landmarks!));
 */
export function affineCameraScale(P: AffineCamera): number {
  return Math.sqrt(Math.abs(P[0] * P[5] - P[1] * P[4]));
}
