import type { Point } from '@facekit/core';

/** A 2D affine map: x' = a·x + b·y + c, y' = d·x + e·y + f. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export function applyAffine(m: Affine, x: number, y: number): Point {
  return [m.a * x + m.b * y + m.c, m.d * x + m.e * y + m.f];
}

export function invertAffine(m: Affine): Affine {
  const det = m.a * m.e - m.b * m.d;
  const a = m.e / det;
  const b = -m.b / det;
  const d = -m.d / det;
  const e = m.a / det;
  return { a, b, c: -(a * m.c + b * m.f), d, e, f: -(d * m.c + e * m.f) };
}

/**
 * A square region of the image, `size` pixels wide, centred at `center` and turned by `angle` radians
 * (clockwise on screen, since y points down): the region's x axis points along (cos, sin) in the image.
 */
export interface RotatedSquare {
  /** Centre in continuous image coordinates (the image spans [0, width] × [0, height]). */
  center: Point;
  size: number;
  angle: number;
}

/**
 * Maps crop coordinates (continuous, the crop spans [0, cropSize]²) to continuous image coordinates for a region.
 * Continuous coordinates put pixel i's centre at i + 0.5; pixel-index coordinates (what facekit returns and what
 * `tf.image.transform` samples) put it at i.
 */
export function cropToImage(region: RotatedSquare, cropSize: number): Affine {
  const s = region.size / cropSize;
  const cos = Math.cos(region.angle) * s;
  const sin = Math.sin(region.angle) * s;
  const h = cropSize / 2;
  // image = centre + R(angle)·s·(crop − h)
  return {
    a: cos,
    b: -sin,
    c: region.center[0] - cos * h + sin * h,
    d: sin,
    e: cos,
    f: region.center[1] - sin * h - cos * h,
  };
}

/**
 * Output pixel index → image pixel index for sampling a region into a cropSize² output (what `tf.image.transform`
 * needs: it maps every output pixel to the input location it reads). Both sides are index coordinates, hence the
 * ±0.5 around the continuous map.
 */
export function samplingAffine(region: RotatedSquare, cropSize: number): Affine {
  const m = cropToImage(region, cropSize);
  // image index = m(output index + 0.5) − 0.5
  return { ...m, c: m.c + 0.5 * (m.a + m.b) - 0.5, f: m.f + 0.5 * (m.d + m.e) - 0.5 };
}
