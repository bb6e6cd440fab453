import { FaceKitError, type Point } from '@facekit/core';

/**
 * A 2D similarity (rotation, uniform scale, translation) as the 2×3 matrix [[a, −b, tx], [b, a, ty]]:
 * x' = a·x − b·y + tx, y' = b·x + a·y + ty.
 *
 * @example
 * const t: Similarity = estimateSimilarity(face.five!, template.points);
 * const scale = Math.hypot(t.a, t.b); // = similarityScale(t)
 */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/**
 * Least-squares similarity mapping `src` onto `dst` (Umeyama 1991, without reflection). In 2D the SVD solution
 * reduces to a closed form on the centred point sets, which is what this computes.
 *
 * @example
 * const T = estimateSimilarity([[0, 0], [1, 0]], [[10, 10], [12, 10]]); // scale 2, no rotation, shift (10, 10)
 */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[]): Similarity {
  if (src.length !== dst.length || src.length < 2) {
    throw new FaceKitError('E_INPUT', `similarity needs ≥ 2 matching points (got ${src.length} and ${dst.length})`);
  }
  const n = src.length;
  let sx = 0;
  let sy = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[i][0];
    sy += src[i][1];
    dx += dst[i][0];
    dy += dst[i][1];
  }
  sx /= n;
  sy /= n;
  dx /= n;
  dy /= n;
  let num1 = 0;
  let num2 = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const px = src[i][0] - sx;
    const py = src[i][1] - sy;
    const qx = dst[i][0] - dx;
    const qy = dst[i][1] - dy;
    num1 += px * qx + py * qy;
    num2 += px * qy - py * qx;
    den += px * px + py * py;
  }
  if (!(den > 1e-12) || !Number.isFinite(den)) {
    throw new FaceKitError('E_INPUT', 'the source points are degenerate (all equal or not finite)');
  }
  const a = num1 / den;
  const b = num2 / den;
  return { a, b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy) };
}

/**
 * Applies a similarity to a point.
 *
 * @example
 * const t = estimateSimilarity(facePoints, template.points);
 * const [x, y] = applySimilarity(t, face.five![2]); // the nose tip on the aligned chip
 */
export function applySimilarity(t: Similarity, p: Point): Point {
  return [t.a * p[0] - t.b * p[1] + t.tx, t.b * p[0] + t.a * p[1] + t.ty];
}

/**
 * The inverse similarity.
 *
 * @example
 * const back = invertSimilarity(t); // chip pixels → image pixels
 * applySimilarity(back, applySimilarity(t, [10, 20])); // ≈ [10, 20]
 */
export function invertSimilarity(t: Similarity): Similarity {
  const s2 = t.a * t.a + t.b * t.b;
  const a = t.a / s2;
  const b = -t.b / s2;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/**
 * Scale factor of a similarity.
 *
 * @example
 * similarityScale({ a: 0.6, b: 0.8, tx: 0, ty: 0 }); // 1 (a pure rotation)
 */
export function similarityScale(t: Similarity): number {
  return Math.hypot(t.a, t.b);
}
