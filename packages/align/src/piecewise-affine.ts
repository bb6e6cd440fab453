import { FaceKitError, type Point } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { sampleBilinear } from './bilinear.js';
import { type Affine2D, composeAffine, locator } from './triangulation.js';

/**
 * Left-right mirror symmetry of a layout: the mirror triangle of every triangle and the reflection itself.
 *
 * @example
 * const mirrorOf = plan.mirror?.triangle[7]; // the triangle mirroring triangle 7
 */
export interface LayoutMirror {
  /** Index of each triangle's mirror image among the triangles. */
  triangle: Int32Array;
  /** The reflection across the symmetry axis, in output pixels. */
  reflect: Affine2D;
}

/**
 * Everything about a piecewise-affine warp that depends only on the output layout (the destination positions of
 * the vertices, the triangles and the output size): which triangle each output pixel lies in. Built once per layout
 * in JS; the warp itself is tensor code.
 *
 * @example
 * const [h, w] = plan.size;
 * console.log(`${plan.triangles.length / 3} triangles onto ${w}×${h}`);
 */
export interface PiecewiseAffinePlan {
  /** Output [height, width]. */
  size: [number, number];
  /** Destination of each vertex, in output pixels. */
  vertices: Point[];
  /** Vertex indices, 3 per triangle. */
  triangles: Uint32Array;
  /** Triangle of each output pixel, row-major; `triangles.length / 3` (a "no triangle" slot) outside them all. */
  pixelTriangle: Int32Array;
  /** (x, y, 1) of every output pixel, row-major. */
  pixelXY1: Float32Array;
  /** The output pixels grouped by triangle: triangle t's are `trianglePixels[triangleStart[t] .. triangleStart[t + 1])`. */
  trianglePixels: Int32Array;
  triangleStart: Int32Array;
  /** 1 for triangles that contain an output pixel. */
  usedTriangle: Uint8Array;
  /** 1 for triangles that may be hidden (turned away); 0 for e.g. background triangles, always sampled as they are. */
  cullable: Uint8Array;
  /** Present when the layout is mirror-symmetric: lets hidden triangles be filled from their mirror image. */
  mirror?: LayoutMirror;
}

/**
 * Precomputes the per-pixel triangle lookup of a piecewise-affine warp onto a fixed layout. With `mirror` (a
 * symmetric triangulation, see {@link symmetricTriangulation}), triangles turned away from the camera can be filled
 * from their mirror image (see {@link warpPiecewiseAffine}); `cullable` says which triangles may be (default all).
 *
 * @example
 * const plan = planPiecewiseAffine(layout, triangulate(layout), [112, 112]);
 */
export function planPiecewiseAffine(
  vertices: readonly Point[],
  triangles: Uint32Array,
  size: [number, number],
  options: { mirror?: LayoutMirror; cullable?: Uint8Array } = {},
): PiecewiseAffinePlan {
  const [h, w] = size;
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) {
    throw new FaceKitError('E_CONFIG', `output size must be two positive integers, got [${size}]`);
  }
  if (triangles.length === 0 || triangles.length % 3 !== 0) {
    throw new FaceKitError('E_CONFIG', 'a piecewise-affine warp needs at least one triangle');
  }
  const nt = triangles.length / 3;
  const { mirror } = options;
  if (mirror && mirror.triangle.length !== nt) {
    throw new FaceKitError('E_CONFIG', 'the mirror map must name one triangle per triangle');
  }
  const cullable = options.cullable ?? new Uint8Array(nt).fill(1);
  if (cullable.length !== nt) throw new FaceKitError('E_CONFIG', 'cullable must have one flag per triangle');
  const find = locator(vertices, triangles);
  const n = h * w;
  const pixelTriangle = new Int32Array(n);
  const pixelXY1 = new Float32Array(3 * n);
  const usedTriangle = new Uint8Array(nt);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      const t = find(x, y);
      pixelTriangle[i] = t;
      pixelXY1.set([x, y, 1], 3 * i);
      if (t < nt) usedTriangle[t] = 1;
    }
  }
  // Counting sort of the pixels by triangle (the "no triangle" slot last).
  const triangleStart = new Int32Array(nt + 2);
  for (const t of pixelTriangle) triangleStart[t + 1]++;
  for (let t = 0; t <= nt; t++) triangleStart[t + 1] += triangleStart[t];
  const trianglePixels = new Int32Array(n);
  const fill = triangleStart.slice(0, nt + 1);
  pixelTriangle.forEach((t, i) => {
    trianglePixels[fill[t]++] = i;
  });
  return {
    size: [h, w],
    vertices: vertices.map((p) => [p[0], p[1]]),
    triangles,
    pixelTriangle,
    pixelXY1,
    trianglePixels,
    triangleStart,
    usedTriangle,
    cullable,
    mirror,
  };
}

/**
 * Per triangle, the affine map (2×3, row-major) from output pixels to source-image pixels that sends the triangle's
 * layout vertices onto `sources`, and the ratio of the signed source area to the layout area: about the square of
 * the scale for a triangle facing the camera, near 0 for one seen edge-on, negative for one turned away.
 *
 * @example
 * const { affines, ratios } = triangleAffines(plan, sources); // one 2×3 map and visibility ratio per triangle
 */
export function triangleAffines(plan: PiecewiseAffinePlan, sources: readonly Point[]) {
  const { vertices, triangles } = plan;
  if (sources.length !== vertices.length) {
    throw new FaceKitError('E_INPUT', `expected ${vertices.length} source points, got ${sources.length}`);
  }
  const nt = triangles.length / 3;
  const affines = new Float64Array(6 * nt);
  const ratio = new Float64Array(nt);
  for (let t = 0; t < nt; t++) {
    const [ia, ib, ic] = [triangles[3 * t], triangles[3 * t + 1], triangles[3 * t + 2]];
    const [a, b, c] = [vertices[ia], vertices[ib], vertices[ic]];
    const [sa, sb, sc] = [sources[ia], sources[ib], sources[ic]];
    // L · (layout edges) = (source edges); L = E_s · E_d⁻¹, t = sc − L · c.
    const d00 = a[0] - c[0];
    const d01 = b[0] - c[0];
    const d10 = a[1] - c[1];
    const d11 = b[1] - c[1];
    const det = d00 * d11 - d01 * d10;
    const i00 = d11 / det;
    const i01 = -d01 / det;
    const i10 = -d10 / det;
    const i11 = d00 / det;
    const s00 = sa[0] - sc[0];
    const s01 = sb[0] - sc[0];
    const s10 = sa[1] - sc[1];
    const s11 = sb[1] - sc[1];
    const l00 = s00 * i00 + s01 * i10;
    const l01 = s00 * i01 + s01 * i11;
    const l10 = s10 * i00 + s11 * i10;
    const l11 = s10 * i01 + s11 * i11;
    affines.set([l00, l01, sc[0] - l00 * c[0] - l01 * c[1], l10, l11, sc[1] - l10 * c[0] - l11 * c[1]], 6 * t);
    ratio[t] = (s00 * s11 - s01 * s10) / det;
  }
  for (let k = 0; k < affines.length; k++) {
    if (!Number.isFinite(affines[k])) throw new FaceKitError('E_INPUT', 'source points are not finite or degenerate');
  }
  return { affines, ratio };
}

function median(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  return s.length ? s[s.length >> 1] : Number.NaN;
}

/**
 * Options of the piecewise-affine warp: what to do with triangles turned away from the camera.
 *
 * @example
 * const options: PiecewiseWarpOptions = { occluded: 'mirror', minVisibility: 0.1, fullVisibility: 0.3 };
 */
export interface PiecewiseWarpOptions {
  /**
   * Triangles turned away from the camera: 'mirror' (default) blends in the mirror triangle's texture (soft
   * symmetry; black where both are hidden; plain 'black' when the plan has no mirror), 'black' marks them black,
   * 'keep' samples them anyway (smeared; for comparisons).
   */
  occluded?: 'mirror' | 'black' | 'keep';
  /**
   * Visibility is the triangle's source/layout area ratio over the median ratio (1 facing the camera like most of
   * the face, 0 edge-on, < 0 turned away). Below `minVisibility` (default 0.1) a triangle is hidden: black, or all
   * mirror.
   */
  minVisibility?: number;
  /**
   * 'mirror' only: from `minVisibility` up to this visibility (default 0.3) the mirror texture fades out, judged per
   * vertex (mean of its triangles) so that the blend is smooth across triangles.
   */
  fullVisibility?: number;
}

/**
 * One item's per-triangle maps and weights: `own` (2×3 per triangle), `mirror` (the mirror triangle's map ∘ the
 * reflection) and the weights of the two samples per triangle. The last row is the "no triangle" slot (weight 0).
 * Also the median area ratio (≈ source pixels per output pixel, squared) and the bounds of the sampled region.
 *
 * @example
 * const w = triangleWeights(plan, sources, { minVisibility: 0.1, fullVisibility: 0.3 });
 */
export function triangleWeights(
  plan: PiecewiseAffinePlan,
  sources: readonly Point[],
  options: PiecewiseWarpOptions = {},
) {
  const occluded = options.occluded ?? 'mirror';
  const lo = options.minVisibility ?? 0.1;
  const hi = Math.max(lo + 1e-6, options.fullVisibility ?? 0.3);
  const { affines, ratio } = triangleAffines(plan, sources);
  const { triangles, cullable, usedTriangle } = plan;
  const nt = ratio.length;
  const ref = median(ratio);
  const rel = Float64Array.from(ratio, (r) => r / ref);
  const own = new Float32Array(6 * (nt + 1));
  own.set(affines);
  own.set([0, 0, NOWHERE, 0, 0, NOWHERE], 6 * nt); // "no triangle": far outside the image, i.e. black
  const ownWeight = new Float32Array(nt + 1);
  const mirrorWeight = new Float32Array(nt + 1);
  let mirror: Float32Array | undefined;
  const m = plan.mirror;
  if (occluded === 'keep') {
    ownWeight.fill(1, 0, nt);
  } else if (occluded === 'black' || !m) {
    for (let t = 0; t < nt; t++) ownWeight[t] = !cullable[t] || rel[t] >= lo ? 1 : 0;
  } else {
    // Soft symmetry: a triangle's own weight is the smaller of its visibility and the mean visibility around its
    // vertices (each vertex: mean over its cullable triangles), visibility smoothed from 0 at lo to 1 at hi, so the
    // mirror texture fades in over a band instead of switching per triangle.
    const smooth = (r: number) => {
      const u = Math.min(1, Math.max(0, (r - lo) / (hi - lo)));
      return u * u * (3 - 2 * u);
    };
    const tvis = Float64Array.from(rel, (r, t) => (cullable[t] ? smooth(r) : 1));
    const sum = new Float64Array(plan.vertices.length);
    const count = new Float64Array(plan.vertices.length);
    for (let t = 0; t < nt; t++) {
      if (!cullable[t]) continue;
      for (let k = 0; k < 3; k++) {
        sum[triangles[3 * t + k]] += tvis[t];
        count[triangles[3 * t + k]]++;
      }
    }
    const vis = new Float64Array(nt);
    for (let t = 0; t < nt; t++) {
      let v = 0;
      for (let k = 0; k < 3; k++) {
        const i = triangles[3 * t + k];
        v += (count[i] ? sum[i] / count[i] : 1) / 3;
      }
      vis[t] = cullable[t] ? Math.min(v, tvis[t]) : 1;
    }
    mirror = new Float32Array(6 * (nt + 1));
    for (let t = 0; t < nt; t++) {
      const mt = m.triangle[t];
      const a = vis[t];
      const b = (1 - a) * vis[mt];
      const total = a + b;
      if (b > 0) mirror.set(composeAffine(affines.subarray(6 * mt, 6 * mt + 6), m.reflect), 6 * t);
      // Where neither side is seen well enough, mark black rather than amplify a faint sample.
      if (total >= 0.05) {
        ownWeight[t] = a / total;
        mirrorWeight[t] = b / total;
      }
    }
  }
  // Source region the output samples (own or mirror triangle), for cropping.
  const bounds = [Infinity, Infinity, -Infinity, -Infinity];
  const include = (t: number) => {
    for (let k = 0; k < 3; k++) {
      const [x, y] = sources[triangles[3 * t + k]];
      bounds[0] = Math.min(bounds[0], x);
      bounds[1] = Math.min(bounds[1], y);
      bounds[2] = Math.max(bounds[2], x);
      bounds[3] = Math.max(bounds[3], y);
    }
  };
  let mirrored = 0;
  for (let t = 0; t < nt; t++) {
    if (!usedTriangle[t]) continue;
    if (ownWeight[t] > 0) include(t);
    if (mirrorWeight[t] > 0) {
      include(m!.triangle[t]);
      mirrored++;
    }
  }
  return { own, mirror: mirrored ? mirror : undefined, ownWeight, mirrorWeight, scale2: ref, bounds, mirrored };
}

/** Where pixels outside every triangle sample: far outside any image, so that bilinear sampling gives black. */
const NOWHERE = -1e6;

/** Crop the sampled region out of the image only when the image is at least this many times larger. */
const CROP_GAIN = 4;

/**
 * Piecewise-affine warp of a batch: item b's output pixel q in triangle t samples image b at A_bt · [q, 1], where
 * A_bt maps the triangle's layout vertices onto `sources[b]` (source-image pixels). The per-pixel triangle comes
 * from the plan; the per-triangle 2×3 matrices are gathered per output value (gatherND) and the image is sampled
 * bilinearly with gathers on the flattened image (outside the image: black). Triangles turned away from the camera
 * are blended with their mirror triangle's texture, or marked black (see {@link PiecewiseWarpOptions}). The image is
 * sliced to the sampled region when that is much smaller, and box-filtered when the face shrinks ≥ 2×. No per-pixel
 * JS on this path; no broadcasting ops. Returns [batch, height, width, 3] float32.
 *
 * @example
 * const out = warpPiecewiseAffine(tf.expandDims(image, 0), plan, [sourcePoints]); // [1, h, w, 3]
 */
export function warpPiecewiseAffine(
  images: tf.Tensor4D,
  plan: PiecewiseAffinePlan,
  sources: readonly (readonly Point[])[],
  options: PiecewiseWarpOptions = {},
): tf.Tensor4D {
  if (images.rank !== 4 || images.shape[3] !== 3) {
    throw new FaceKitError('E_INPUT', `expected images [batch, height, width, 3], got [${images.shape}]`);
  }
  const [batch, ih, iw] = images.shape;
  if (sources.length !== batch) {
    throw new FaceKitError('E_INPUT', `expected ${batch} source point sets, got ${sources.length}`);
  }
  const slots = plan.triangles.length / 3 + 1;
  const items = sources.map((s) => triangleWeights(plan, s, options));
  const useMirror = items.some((it) => it.mirror);
  const scale = Math.min(...items.map((it) => Math.sqrt(Math.max(it.scale2, 0))));
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  for (const { bounds } of items) {
    for (let k = 0; k < 4; k++) box[k] = k < 2 ? Math.min(box[k], bounds[k]) : Math.max(box[k], bounds[k]);
  }
  // The image region sampled (bilinear neighbours included), clipped to the image; sliced out only when it is much
  // smaller than the image (a slice is a copy, not free).
  let cx0 = Math.min(iw - 1, Math.max(0, Math.floor(box[0]) - 1));
  let cy0 = Math.min(ih - 1, Math.max(0, Math.floor(box[1]) - 1));
  let cx1 = Math.max(cx0 + 1, Math.min(iw, Math.ceil(box[2]) + 2));
  let cy1 = Math.max(cy0 + 1, Math.min(ih, Math.ceil(box[3]) + 2));
  if (!((cx1 - cx0) * (cy1 - cy0) * CROP_GAIN <= ih * iw)) [cx0, cy0, cx1, cy1] = [0, 0, iw, ih];
  // A face that shrinks by ≥ 2× is box-filtered by an integer factor first, so that sampling does not alias.
  const factor = Math.floor(scale);
  const pool = factor >= 2 && cy1 - cy0 >= 2 * factor && cx1 - cx0 >= 2 * factor ? factor : 1;
  // Per-triangle rows of x and y maps in the (pooled) crop: pooled pixel u covers crop pixels [u·f, u·f + f).
  const off = (pool - 1) / 2;
  const rows = (pick: (it: (typeof items)[number]) => Float32Array | undefined) => {
    const tx = new Float32Array(batch * slots * 3);
    const ty = new Float32Array(batch * slots * 3);
    items.forEach((it, b) => {
      const table = pick(it);
      if (!table) return;
      for (let t = 0; t < slots; t++) {
        const a = table.subarray(6 * t, 6 * t + 6);
        const r = 3 * (b * slots + t);
        tx.set([a[0] / pool, a[1] / pool, (a[2] - cx0 - off) / pool], r);
        ty.set([a[3] / pool, a[4] / pool, (a[5] - cy0 - off) / pool], r);
      }
    });
    return [tf.tensor2d(tx, [batch * slots, 3]), tf.tensor2d(ty, [batch * slots, 3])];
  };
  const weights = (pick: (it: (typeof items)[number]) => Float32Array) => {
    const w = new Float32Array(batch * slots);
    items.forEach((it, b) => {
      w.set(pick(it), b * slots);
    });
    return w;
  };
  const ownWeight = weights((it) => it.ownWeight);
  const allOwn = ownWeight.every((v, i) => v === 1 || i % slots === slots - 1);
  const [oh, ow] = plan.size;
  const n = oh * ow;
  const h = pool > 1 ? Math.floor((cy1 - cy0) / pool) : cy1 - cy0;
  const w = pool > 1 ? Math.floor((cx1 - cx0) / pool) : cx1 - cx0;
  // The pixels whose triangle blends in its mirror, listed per triangle (the mirror is sampled for them only).
  const mirrorSet = useMirror ? mirroredPixels(plan, items, slots, n, h * w * 3) : undefined;
  return tf.tidy(() => {
    let src: tf.Tensor4D =
      cx1 - cx0 === iw && cy1 - cy0 === ih
        ? images
        : tf.slice(images, [0, cy0, cx0, 0], [batch, cy1 - cy0, cx1 - cx0, 3]);
    if (pool > 1) src = tf.avgPool(tf.cast(src, 'float32'), pool, pool, 'valid');
    const flat = tf.reshape(src, [batch * h * w * 3, 1]);
    // Per output pixel of item b: triangle slot b·slots + t and flat image offset b·h·w·3.
    const perItem = (base: tf.Tensor1D, stride: number) =>
      tf.concat(Array.from({ length: batch }, (_, b) => tf.add(base, tf.scalar(b * stride, base.dtype))));
    const tri = tf.reshape(
      batch === 1 ? tf.tensor1d(plan.pixelTriangle, 'int32') : perItem(tf.tensor1d(plan.pixelTriangle, 'int32'), slots),
      [batch * n, 1],
    );
    const offset = batch === 1 ? undefined : perItem(tf.zeros([n]), h * w * 3);
    let xy1: tf.Tensor = tf.tensor2d(plan.pixelXY1, [n, 3]);
    if (batch > 1) xy1 = tf.concat(Array.from({ length: batch }, () => xy1));
    const sample = (
      [tx, ty]: tf.Tensor[],
      at: tf.Tensor,
      xy: tf.Tensor,
      options: { offset?: tf.Tensor; gain?: tf.Tensor },
    ) => {
      const sx = tf.sum(tf.mul(tf.gatherND(tx, at), xy), 1);
      const sy = tf.sum(tf.mul(tf.gatherND(ty, at), xy), 1);
      return sampleBilinear(flat, sx, sy, h, w, options);
    };
    const gain = allOwn
      ? undefined
      : tf.reshape(tf.gatherND(tf.tensor2d(ownWeight, [batch * slots, 1]), tri), [batch * n]);
    let out: tf.Tensor = sample(
      rows((it) => it.own),
      tri,
      xy1,
      { offset, gain },
    );
    if (mirrorSet) {
      // Sample the mirror for the listed pixels only, and scatter the result (channel-major) into the output.
      const k = mirrorSet.pixel.length;
      let pixel = tf.tensor1d(mirrorSet.pixel, 'int32');
      if (batch > 1) pixel = tf.add(pixel, tf.tensor1d(mirrorSet.base, 'int32'));
      const at = tf.reshape(pixel, [k, 1]);
      const mirrored = sample(
        rows((it) => it.mirror),
        tf.tensor2d(mirrorSet.slot, [k, 1], 'int32'),
        tf.gatherND(xy1, at),
        {
          offset: batch === 1 ? undefined : tf.tensor1d(mirrorSet.offset),
          gain: tf.tensor1d(mirrorSet.gain),
        },
      );
      const bn = tf.scalar(batch * n, 'int32');
      const where = tf.concat([pixel, tf.add(pixel, bn), tf.add(pixel, tf.add(bn, bn))]);
      out = tf.add(
        out,
        tf.reshape(tf.scatterND(tf.reshape(where, [3 * k, 1]), tf.reshape(mirrored, [3 * k]), [3 * batch * n]), [
          3,
          batch * n,
        ]),
      );
    }
    // Channel-major [3, batch·h·w] → [batch, h, w, 3].
    return tf.transpose(tf.reshape(out, [3, batch, oh, ow]), [1, 2, 3, 0]) as tf.Tensor4D;
  });
}

/**
 * The output pixels whose triangle takes some of its mirror's texture, with their item's pixel offset b·n, triangle
 * slot, item image offset and mirror weight: per triangle one typed-array copy or fill, no per-pixel JS.
 */
function mirroredPixels(
  plan: PiecewiseAffinePlan,
  items: ReadonlyArray<{ mirrorWeight: Float32Array }>,
  slots: number,
  n: number,
  itemSize: number,
) {
  const { trianglePixels, triangleStart, usedTriangle } = plan;
  let total = 0;
  for (const it of items) {
    for (let t = 0; t < slots - 1; t++) {
      if (it.mirrorWeight[t] > 0 && usedTriangle[t]) total += triangleStart[t + 1] - triangleStart[t];
    }
  }
  const pixel = new Int32Array(total);
  const slot = new Int32Array(total);
  const offset = new Float32Array(total);
  const gain = new Float32Array(total);
  const base = new Int32Array(total);
  let k = 0;
  items.forEach((it, b) => {
    for (let t = 0; t < slots - 1; t++) {
      if (!(it.mirrorWeight[t] > 0 && usedTriangle[t])) continue;
      const end = k + triangleStart[t + 1] - triangleStart[t];
      pixel.set(trianglePixels.subarray(triangleStart[t], triangleStart[t + 1]), k);
      base.fill(b * n, k, end);
      slot.fill(b * slots + t, k, end);
      offset.fill(b * itemSize, k, end);
      gain.fill(it.mirrorWeight[t], k, end);
      k = end;
    }
  });
  return { pixel, base, slot, offset, gain };
}
