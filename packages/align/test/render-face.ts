// Test helper: renders a textured 3D face (the mean FaceMesh surface, optionally deformed) at a known pose with a
// z-buffer, and gives the exact 68 landmarks and 468 mesh points of the render. The texture is painted on the
// undeformed mean face's (x, y), so it moves with the face's features; for the undeformed face the ideal frontal view
// of any output pixel is the texture at that pixel's generic (x, y).
import type { Point, Point3 } from '@facekit/core';
import { MEAN_FACE_MESH, MESH_TO_68, triangulate } from '../src/index.js';

export type Texture = (u: number, v: number) => [number, number, number];

/** Smooth multi-frequency colour pattern (wavelengths ≈ 0.5–2 model units) that is not left-right symmetric. */
export const asymmetricTexture: Texture = (u, v) => [
  128 + 50 * Math.sin(4.1 * u + 1) * Math.cos(3.3 * v) + 30 * Math.sin(9 * u + 7 * v),
  128 + 50 * Math.cos(5 * u - 2 * v) + 30 * Math.sin(11 * v),
  128 + 40 * Math.sin(7 * u) * Math.sin(6 * v) + 40 * Math.cos(13 * u + 0.5),
];

/** The same pattern made left-right symmetric (faces are roughly symmetric: what mirror filling relies on). */
export const symmetricTexture: Texture = (u, v) => asymmetricTexture(Math.abs(u), v);

export interface RenderOptions {
  /** Image [height, width]. */
  size: [number, number];
  /** Rotation about the vertical axis in radians (positive turns the face towards image-right). */
  yaw: number;
  /** Pixels per model unit. */
  scale: number;
  /** Image position of the model origin. */
  centre: Point;
  texture?: Texture;
  /** Deforms the generic surface (an identity-specific shape): vertex → vertex, in model units. */
  shape?: (p: Point3, index: number) => Point3;
  background?: number;
}

export interface Render {
  /** [h, w, 3] row-major, 0..255. */
  pixels: Float32Array;
  landmarks: Point[];
  /** 468 [x, y, z] in image pixels, z away from the camera. */
  mesh: Point3[];
  /** 1 where the face covers the pixel. */
  coverage: Uint8Array;
}

const frontalTriangles = triangulate(MEAN_FACE_MESH.map(([x, y]) => [x, y]));

/**
 * Orthographic render of the (optionally deformed) mean face mesh rotated by `yaw`, z-buffered, texture looked up at
 * the surface's own frontal coordinates.
 */
export function renderFace(o: RenderOptions): Render {
  const [h, w] = o.size;
  const texture = o.texture ?? asymmetricTexture;
  const surface = MEAN_FACE_MESH.map((p, i) => (o.shape ? o.shape(p, i) : p));
  const c = Math.cos(o.yaw);
  const s = Math.sin(o.yaw);
  const mesh: Point3[] = surface.map(([x, y, z]) => [
    o.centre[0] + o.scale * (c * x - s * z),
    o.centre[1] + o.scale * y,
    o.scale * (s * x + c * z),
  ]);
  const pixels = new Float32Array(h * w * 3).fill(o.background ?? 60);
  const depth = new Float32Array(h * w).fill(Infinity);
  const coverage = new Uint8Array(h * w);
  const t = frontalTriangles;
  for (let k = 0; k < t.length; k += 3) {
    const [a, b, d] = [mesh[t[k]], mesh[t[k + 1]], mesh[t[k + 2]]];
    const [ua, ub, ud] = [MEAN_FACE_MESH[t[k]], MEAN_FACE_MESH[t[k + 1]], MEAN_FACE_MESH[t[k + 2]]];
    const det = (b[0] - a[0]) * (d[1] - a[1]) - (d[0] - a[0]) * (b[1] - a[1]);
    if (Math.abs(det) < 1e-9) continue;
    const x0 = Math.max(0, Math.ceil(Math.min(a[0], b[0], d[0])));
    const x1 = Math.min(w - 1, Math.floor(Math.max(a[0], b[0], d[0])));
    const y0 = Math.max(0, Math.ceil(Math.min(a[1], b[1], d[1])));
    const y1 = Math.min(h - 1, Math.floor(Math.max(a[1], b[1], d[1])));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const l1 = ((x - a[0]) * (d[1] - a[1]) - (d[0] - a[0]) * (y - a[1])) / det;
        const l2 = ((b[0] - a[0]) * (y - a[1]) - (x - a[0]) * (b[1] - a[1])) / det;
        const l0 = 1 - l1 - l2;
        if (l0 < -1e-9 || l1 < -1e-9 || l2 < -1e-9) continue;
        const z = l0 * a[2] + l1 * b[2] + l2 * d[2];
        const i = y * w + x;
        if (z >= depth[i]) continue;
        depth[i] = z;
        coverage[i] = 1;
        const rgb = texture(l0 * ua[0] + l1 * ub[0] + l2 * ud[0], l0 * ua[1] + l1 * ub[1] + l2 * ud[1]);
        pixels.set(rgb, 3 * i);
      }
    }
  }
  const landmarks = MESH_TO_68.map((i): Point => [mesh[i][0], mesh[i][1]]);
  return { pixels, landmarks, mesh, coverage };
}

/** PSNR (dB, peak 255) of a against b over the pixels where mask is set. */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, mask: ArrayLike<number | boolean>): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    for (let k = 0; k < 3; k++) se += (a[3 * i + k] - b[3 * i + k]) ** 2;
    n += 3;
  }
  return 10 * Math.log10((255 * 255) / (se / n));
}

/**
 * Mean SSIM (grey = channel mean, 7×7 uniform window, the usual C1, C2) over windows whose centre is in the mask.
 */
export function ssim(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  size: [number, number],
  mask: ArrayLike<number | boolean>,
) {
  const [h, w] = size;
  const grey = (x: ArrayLike<number>) =>
    Float64Array.from({ length: h * w }, (_, i) => (x[3 * i] + x[3 * i + 1] + x[3 * i + 2]) / 3);
  const ga = grey(a);
  const gb = grey(b);
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  const r = 3;
  let sum = 0;
  let n = 0;
  for (let y = r; y < h - r; y++) {
    for (let x = r; x < w - r; x++) {
      if (!mask[y * w + x]) continue;
      let ma = 0;
      let mb = 0;
      let saa = 0;
      let sbb = 0;
      let sab = 0;
      const m = (2 * r + 1) ** 2;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const i = (y + dy) * w + x + dx;
          ma += ga[i];
          mb += gb[i];
          saa += ga[i] * ga[i];
          sbb += gb[i] * gb[i];
          sab += ga[i] * gb[i];
        }
      }
      ma /= m;
      mb /= m;
      const va = saa / m - ma * ma;
      const vb = sbb / m - mb * mb;
      const cov = sab / m - ma * mb;
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      n++;
    }
  }
  return sum / n;
}
