import { FaceKitError, type Point } from '@facekit/core';
import Delaunator from 'delaunator';

/**
 * Delaunay triangulation (delaunator) of 2D points as vertex-index triples, dropping the slivers of (nearly)
 * collinear points that Delaunay hulls can contain.
 *
 * @example
 * const tris = triangulate([[0, 0], [1, 0], [0, 1], [1, 1]]); // Uint32Array of 2 × 3 indices
 */
export function triangulate(points: readonly Point[]): Uint32Array {
  const d = Delaunator.from(points as Point[]);
  let extent = 0;
  for (const p of points) extent = Math.max(extent, Math.abs(p[0]), Math.abs(p[1]));
  const minArea = 1e-9 * extent * extent;
  const kept: number[] = [];
  for (let t = 0; t < d.triangles.length; t += 3) {
    const [a, b, c] = [d.triangles[t], d.triangles[t + 1], d.triangles[t + 2]];
    if (Math.abs(signedArea(points[a], points[b], points[c])) > minArea) kept.push(a, b, c);
  }
  return Uint32Array.from(kept);
}

/**
 * Twice the signed area of triangle (a, b, c).
 *
 * @example
 * signedArea([0, 0], [1, 0], [0, 1]); // 1 (counter-clockwise in x-right, y-up terms)
 */
export function signedArea(a: Point, b: Point, c: Point): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

/**
 * A 2D affine map as the 2×3 matrix [a, b, c, d, e, f]: (x, y) → (a·x + b·y + c, d·x + e·y + f).
 *
 * @example
 * const shift: Affine2D = [1, 0, 5, 0, 1, -3]; // (x, y) → (x + 5, y − 3)
 */
export type Affine2D = [number, number, number, number, number, number];

/**
 * a ∘ b for 2×3 affine maps (apply b, then a).
 *
 * @example
 * const ab = composeAffine([2, 0, 0, 0, 2, 0], [1, 0, 5, 0, 1, 5]); // shift by 5, then scale by 2: [2, 0, 10, 0, 2, 10]
 */
export function composeAffine(a: ArrayLike<number>, b: ArrayLike<number>): Affine2D {
  return [
    a[0] * b[0] + a[1] * b[3],
    a[0] * b[1] + a[1] * b[4],
    a[0] * b[2] + a[1] * b[5] + a[2],
    a[3] * b[0] + a[4] * b[3],
    a[3] * b[1] + a[4] * b[4],
    a[3] * b[2] + a[4] * b[5] + a[5],
  ];
}

/**
 * A Delaunay triangulation of a point set that is symmetric about x = 0, made exactly symmetric: the points with
 * x ≤ 0 are triangulated (delaunator) and the triangles mirrored, so no triangle crosses the axis and every triangle
 * has a mirror triangle. (Plain Delaunay of symmetric points is not symmetric: each pair of mirror pairs is
 * co-circular, so the diagonal it picks is arbitrary.) `mirrorOf` names each point's mirror partner (itself on the
 * axis); the points' x must be exactly opposite.
 *
 * @example
 * const { triangles, mirror } = symmetricTriangulation(points, mirrorOf);
 */
export function symmetricTriangulation(points: readonly Point[], mirrorOf: ArrayLike<number>) {
  for (let i = 0; i < points.length; i++) {
    const j = mirrorOf[i];
    if (mirrorOf[j] !== i || points[j][0] !== -points[i][0] || points[j][1] !== points[i][1]) {
      throw new FaceKitError('E_CONFIG', `point ${i} and its mirror ${j} are not mirror images`);
    }
  }
  const left = points.map((_, i) => i).filter((i) => points[i][0] <= 0);
  const half = triangulate(left.map((i) => points[i]));
  const nh = half.length / 3;
  const triangles = new Uint32Array(2 * half.length);
  const mirror = new Int32Array(2 * nh);
  for (let t = 0; t < nh; t++) {
    for (let k = 0; k < 3; k++) {
      const v = left[half[3 * t + k]];
      triangles[3 * t + k] = v;
      triangles[3 * (t + nh) + k] = mirrorOf[v];
    }
    mirror[t] = t + nh;
    mirror[t + nh] = t;
  }
  return { triangles, mirror };
}

/**
 * Point location in a triangulation: returns a function giving the triangle containing (x, y), or the triangle count
 * when none does. A uniform bucket grid over the vertices' bounds keeps each query to a few triangles.
 *
 * @example
 * const find = locator(vertices, triangles);
 * const t = find(12.5, 40); // index of the triangle holding (12.5, 40), or triangles.length / 3 when none
 */
export function locator(vertices: readonly Point[], triangles: Uint32Array): (x: number, y: number) => number {
  const nt = triangles.length / 3;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of vertices) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const cells = Math.max(1, Math.ceil(Math.sqrt(nt)));
  const cw = (x1 - x0) / cells || 1;
  const ch = (y1 - y0) / cells || 1;
  const buckets: number[][] = Array.from({ length: cells * cells }, () => []);
  // Per triangle: barycentric coordinates of (x, y) are inv · (x − c, y − c).
  const inv = new Float64Array(nt * 6);
  for (let t = 0; t < nt; t++) {
    const [a, b, c] = [vertices[triangles[3 * t]], vertices[triangles[3 * t + 1]], vertices[triangles[3 * t + 2]]];
    const det = (a[0] - c[0]) * (b[1] - c[1]) - (b[0] - c[0]) * (a[1] - c[1]);
    inv.set([(b[1] - c[1]) / det, (c[0] - b[0]) / det, (c[1] - a[1]) / det, (a[0] - c[0]) / det, c[0], c[1]], 6 * t);
    const bx0 = Math.floor((Math.min(a[0], b[0], c[0]) - x0) / cw);
    const bx1 = Math.floor((Math.max(a[0], b[0], c[0]) - x0) / cw);
    const by0 = Math.floor((Math.min(a[1], b[1], c[1]) - y0) / ch);
    const by1 = Math.floor((Math.max(a[1], b[1], c[1]) - y0) / ch);
    for (let by = Math.max(0, by0); by <= Math.min(cells - 1, by1); by++)
      for (let bx = Math.max(0, bx0); bx <= Math.min(cells - 1, bx1); bx++) buckets[by * cells + bx].push(t);
  }
  const eps = 1e-9;
  return (x, y) => {
    const bx = Math.floor((x - x0) / cw);
    const by = Math.floor((y - y0) / ch);
    if (bx < 0 || by < 0 || bx >= cells || by >= cells) {
      // On the far edge of the bounds: the last bucket.
      if (bx === cells && x <= x1) return locate(Math.min(bx, cells - 1), Math.min(Math.max(by, 0), cells - 1), x, y);
      if (by === cells && y <= y1) return locate(Math.min(Math.max(bx, 0), cells - 1), cells - 1, x, y);
      return nt;
    }
    return locate(bx, by, x, y);
  };
  function locate(bx: number, by: number, x: number, y: number): number {
    for (const t of buckets[by * cells + bx]) {
      const o = 6 * t;
      const dx = x - inv[o + 4];
      const dy = y - inv[o + 5];
      const l1 = inv[o] * dx + inv[o + 1] * dy;
      const l2 = inv[o + 2] * dx + inv[o + 3] * dy;
      if (l1 >= -eps && l2 >= -eps && 1 - l1 - l2 >= -eps) return t;
    }
    return nt;
  }
}
