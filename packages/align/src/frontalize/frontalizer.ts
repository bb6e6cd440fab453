import {
  type AlignmentTemplate,
  type Aligner,
  type Face,
  FaceKitError,
  type Point,
  type Point3,
  models,
} from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type AffineCamera, fitAffine3D, fitAffineCamera, projectAffine } from '../affine-camera.js';
import { SimilarityAligner } from '../aligners.js';
import { type PiecewiseWarpOptions, warpPiecewiseAffine } from '../piecewise-affine.js';
import {
  FRONTAL_MODEL_68,
  FRONTAL_MODEL_68_DENSE,
  FRONTAL_MODEL_MESH,
  type FrontalLayout,
  type FrontalModel,
  frontalLayout,
} from './frontal-model.js';
import { MEAN_FACE_MESH } from './generic-face.js';

/**
 * Options of the 3D frontaliser (on top of the warp's): how much of the face's own shape to keep, and where depth comes from.
 *
 * @example
 * const options: FrontalizeOptions = { normalizeShape: 0, occluded: 'mirror' }; // DeepFace: residuals kept
 */
export interface FrontalizeOptions extends PiecewiseWarpOptions {
  /**
   * How much of the face's own 2D shape to remove, 0..1. 0 (default) is DeepFace: the residuals of the camera fit
   * stay, so identity-specific shape survives frontalisation; 1 moves every observed point exactly onto the generic
   * face (shape-normalised, like a plain piecewise-affine warp onto a mean shape).
   */
  normalizeShape?: number;
  /**
   * 'mesh' mode: take each vertex's depth from the face's own FaceMesh (its z, brought into the generic face's frame
   * by a least-squares 3D affine fit) instead of the generic depth (default true).
   */
  ownDepth?: boolean;
  /**
   * '3d' mode: the generic depth surface the warp follows. 'landmarks' (default, DeepFace): Delaunay triangles of the
   * 68 points (plus the forehead and the border ring); 'dense': the mean FaceMesh's 468 vertices (camera still fitted
   * to the 68 points).
   */
  surface?: 'landmarks' | 'dense';
}

/** One face's observations, resolved to the model they belong to. */
interface Observation {
  model: FrontalModel;
  points: Point[];
  /** Depth of every anchor and extra vertex in model units, when not the generic one. */
  depth?: number[];
}

/**
 * The face's own FaceMesh depth in the generic face's frame (3D affine fit of the mesh onto the mean mesh).
 *
 * @example
 * const z = meshDepthInModelFrame(face.mesh!); // 468 depths in the generic face's units
 */
export function meshDepthInModelFrame(mesh: readonly Point3[]): number[] {
  const [, , zRow] = fitAffine3D(mesh, MEAN_FACE_MESH, 3);
  return mesh.map((p) => zRow[0] * p[0] + zRow[1] * p[1] + zRow[2] * p[2] + zRow[3]);
}

/**
 * Where each layout vertex comes from in the image, DeepFace's way: fit the affine camera P (2×4) from the model
 * (generic x, y and depth) to the observed points and project every vertex through it. DeepFace adds the residuals
 * r = observed − P·X to the reference points' x, y, so that the frontal view keeps the face's own shape, and warps
 * the observed points onto them. Here the layout is the generic x, y (fixed per template, so that each output pixel's
 * triangle is precomputed) and the same warp is had by sourcing every vertex at P·X: a fiducial observed at
 * P·X + r then lands at its generic position plus r brought back through the camera. `normalizeShape` k moves the
 * anchors' sources by k·r (k = 1: every fiducial exactly onto the generic face, identity shape removed). Border
 * vertices take the outline's mean depth.
 *
 * @example
 * const { sources, camera } = frontalSources(layout, face.landmarks!);
 */
export function frontalSources(
  layout: FrontalLayout,
  observed: readonly Point[],
  options: { depth?: readonly number[]; normalizeShape?: number } = {},
): { sources: Point[]; camera: AffineCamera } {
  const { model, modelXY, borderStart } = layout;
  const na = model.anchors.length;
  if (observed.length !== na) {
    throw new FaceKitError('E_INPUT', `the ${model.name} model needs ${na} observed points, got ${observed.length}`);
  }
  for (const p of observed) {
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1]))
      throw new FaceKitError('E_INPUT', 'face points are not finite');
  }
  const generic = [...model.anchors, ...model.extras];
  const z = options.depth ?? generic.map((p) => p[2]);
  if (z.length !== generic.length) {
    throw new FaceKitError('E_INPUT', `expected ${generic.length} depths, got ${z.length}`);
  }
  const k = options.normalizeShape ?? 0;
  const anchors3: Point3[] = modelXY.slice(0, na).map(([x, y], i) => [x, y, z[i]]);
  const camera = fitAffineCamera(anchors3, observed);
  let zBorder = 0;
  for (const i of model.outline) zBorder += z[i] / model.outline.length;
  const sources = modelXY.map(([x, y], i): Point => {
    const s = projectAffine(camera, [x, y, i < borderStart ? z[i] : zBorder]);
    if (i < na && k !== 0) return [s[0] + k * (observed[i][0] - s[0]), s[1] + k * (observed[i][1] - s[1])];
    return s;
  });
  return { sources, camera };
}

const MAX_LAYOUTS = 8;

/**
 * DeepFace's frontalisation as an aligner, for any embedder. '3d': fit an affine camera from the generic 3D face
 * (68 points) to the face's 68 landmarks, keep the residuals, and warp the face piecewise-affinely (Delaunay
 * triangles of the anchors plus a border ring) into the frontal pose of the generic face, placed on the embedder's
 * template by the similarity that maps the generic face's reference points onto the template's (one resampling:
 * the final similarity is part of the frontal layout). 'mesh': the same with FaceMesh's 468 vertices as anchors
 * and, by default, the face's own mesh depth. Triangles turned away from the camera are filled from their mirror
 * image. Faces without the points fall back: 'mesh' → '3d' (landmarks only) → '2d'.
 *
 * @example
 * const aligner = new FrontalAligner('3d');
 * const chip = aligner.align(image, face, spec.template); // [h, w, 3] float32, frontal
 */
export class FrontalAligner implements Aligner {
  /** '3d', '3d-dense' ('3d' with `surface: 'dense'`) or 'mesh'. */
  readonly name: string;
  private readonly layouts = new Map<string, FrontalLayout>();
  private readonly fallback = new SimilarityAligner();

  constructor(
    readonly mode: '3d' | 'mesh' = '3d',
    readonly options: FrontalizeOptions = {},
  ) {
    if (mode !== '3d' && mode !== 'mesh') throw new FaceKitError('E_CONFIG', `unknown frontalisation mode '${mode}'`);
    if (options.surface !== undefined && options.surface !== 'landmarks' && options.surface !== 'dense') {
      throw new FaceKitError('E_CONFIG', `surface must be 'landmarks' or 'dense', got '${options.surface}'`);
    }
    this.name = mode === '3d' && options.surface === 'dense' ? '3d-dense' : mode;
    const k = options.normalizeShape ?? 0;
    if (!(k >= 0 && k <= 1)) throw new FaceKitError('E_CONFIG', `normalizeShape must be in [0, 1], got ${k}`);
    const lo = options.minVisibility ?? 0.1;
    const hi = options.fullVisibility ?? Math.max(lo, 0.3);
    if (!(lo >= 0 && lo < 1 && hi >= lo && hi <= 1)) {
      throw new FaceKitError(
        'E_CONFIG',
        `need 0 ≤ minVisibility (${lo}) ≤ fullVisibility (${hi}) ≤ 1, minVisibility < 1`,
      );
    }
    if (options.occluded !== undefined && !['mirror', 'black', 'keep'].includes(options.occluded)) {
      throw new FaceKitError('E_CONFIG', `occluded must be 'mirror', 'black' or 'keep', got '${options.occluded}'`);
    }
  }

  /** The frontal layout of a model on a template (cached; built in JS on first use). */
  layout(model: FrontalModel, template: AlignmentTemplate): FrontalLayout {
    const key = `${model.name}|${template.size}|${template.source}|${template.points.flat().join(',')}`;
    let layout = this.layouts.get(key);
    if (layout) {
      this.layouts.delete(key); // re-insert: most recently used last
    } else {
      layout = frontalLayout(model, template);
      if (this.layouts.size >= MAX_LAYOUTS) this.layouts.delete(this.layouts.keys().next().value as string);
    }
    this.layouts.set(key, layout);
    return layout;
  }

  /** The points this aligner uses for a face, or undefined when it has none (→ '2d'). */
  private observe(face: Face): Observation | undefined {
    if (this.mode === 'mesh' && face.mesh?.length === FRONTAL_MODEL_MESH.anchors.length) {
      const points = face.mesh.map(([x, y]): Point => [x, y]);
      const depth = (this.options.ownDepth ?? true) ? meshDepthInModelFrame(face.mesh) : undefined;
      return { model: FRONTAL_MODEL_MESH, points, depth };
    }
    if (face.landmarks?.length === FRONTAL_MODEL_68.anchors.length) {
      const model = this.options.surface === 'dense' ? FRONTAL_MODEL_68_DENSE : FRONTAL_MODEL_68;
      return { model, points: face.landmarks };
    }
    return undefined;
  }

  /**
   * Frontalises a batch: faces[b] from images[b] (same-size images), all with the points of the same model.
   * Returns [batch, h, w, 3] float32.
   */
  frontalize(images: tf.Tensor4D, faces: readonly Face[], template: AlignmentTemplate): tf.Tensor4D {
    return this.warp(
      images,
      faces.map((f) => this.observe(f)),
      template,
    );
  }

  private warp(images: tf.Tensor4D, obs: Array<Observation | undefined>, template: AlignmentTemplate): tf.Tensor4D {
    const model = obs[0]?.model;
    if (!model || obs.some((o) => o?.model !== model)) {
      throw new FaceKitError('E_INPUT', `every face of a '${this.name}' batch needs the same kind of landmarks`);
    }
    const layout = this.layout(model, template);
    const { normalizeShape } = this.options;
    const sources = obs.map((o) => frontalSources(layout, o!.points, { depth: o!.depth, normalizeShape }).sources);
    return warpPiecewiseAffine(images, layout.plan, sources, this.options);
  }

  align(image: tf.Tensor3D, face: Face, template: AlignmentTemplate): tf.Tensor3D {
    const obs = this.observe(face);
    if (!obs) return this.fallback.align(image, face, template);
    return tf.tidy(
      () => tf.squeeze(this.warp(tf.expandDims(image, 0) as tf.Tensor4D, [obs], template), [0]) as tf.Tensor3D,
    );
  }
}

models.aligners.register({
  name: '3d',
  description:
    "DeepFace frontalisation: affine camera fit of a generic 3D face (68 points) to the landmarks, residuals kept, piecewise-affine warp to the frontal pose on the embedder's template",
  create: async () => new FrontalAligner('3d'),
});
models.aligners.register({
  name: '3d-dense',
  description:
    "'3d' with the mean FaceMesh (468 vertices) as the generic depth surface: camera fitted to the 68 landmarks, warp over the dense triangulation",
  create: async () => new FrontalAligner('3d', { surface: 'dense' }),
});
models.aligners.register({
  name: 'mesh',
  description:
    "Frontalisation with FaceMesh's 468 points and own depth (piecewise-affine over their Delaunay triangulation); falls back to '3d' / '2d'",
  create: async () => new FrontalAligner('mesh'),
});
