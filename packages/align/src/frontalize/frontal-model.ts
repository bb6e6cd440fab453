import { type AlignmentTemplate, FaceKitError, type Point, type Point3 } from '@facekit/core';
import { type PiecewiseAffinePlan, planPiecewiseAffine } from '../piecewise-affine.js';
import { type Affine2D, composeAffine, symmetricTriangulation } from '../triangulation.js';
import { applySimilarity, estimateSimilarity, invertSimilarity, type Similarity } from '../similarity.js';
import {
  GENERIC_FACE_68,
  GENERIC_FACE_FIVE,
  MEAN_FACE_MESH,
  MESH_FACE_OVAL,
  MESH_FOREHEAD,
  MESH_TO_68,
} from './generic-face.js';

/**
 * A generic 3D face as the frontaliser uses it: vertices with observed counterparts, plus unobserved ones.
 *
 * @example
 * const model: FrontalModel = FRONTAL_MODEL_68; // anchors: the 68 landmarks; extras: forehead vertices
 */
export interface FrontalModel {
  name: string;
  /** Vertices the face provides observations for, in the face's order (68 landmarks or 468 mesh vertices). */
  anchors: readonly Point3[];
  /** Surface vertices without observations (the forehead for the 68-point model), placed by the camera alone. */
  extras: readonly Point3[];
  /** Indices into anchors ++ extras of the face outline; the frame's border vertices take its mean depth. */
  outline: readonly number[];
}

/**
 * DeepFace-style: the 68 iBUG points, with the forehead part of the mean mesh's oval so the top has depth too.
 *
 * @example
 * FRONTAL_MODEL_68.anchors.length; // 68: the camera is fitted to these
 */
export const FRONTAL_MODEL_68: FrontalModel = {
  name: '68',
  anchors: GENERIC_FACE_68,
  extras: MESH_FOREHEAD.map((i) => MEAN_FACE_MESH[i]),
  outline: [...Array.from({ length: 17 }, (_, i) => i), ...MESH_FOREHEAD.map((_, i) => 68 + i)],
};

/**
 * The 68 points as anchors (the camera is fitted to them), with every other vertex of the mean FaceMesh as an
 * unobserved extra: the same camera fit as {@link FRONTAL_MODEL_68} but the generic depth surface at FaceMesh's
 * resolution instead of planar triangles between the 68 points.
 *
 * @example
 * FRONTAL_MODEL_68_DENSE.anchors.length + FRONTAL_MODEL_68_DENSE.extras.length; // 468: the whole mean mesh
 */
export const FRONTAL_MODEL_68_DENSE: FrontalModel = (() => {
  const inLandmarks = new Set(MESH_TO_68);
  const extra = MEAN_FACE_MESH.map((_, i) => i).filter((i) => !inLandmarks.has(i));
  const position = new Map<number, number>(MESH_TO_68.map((m, i) => [m, i]));
  extra.forEach((m, k) => {
    position.set(m, 68 + k);
  });
  return {
    name: '68-dense',
    anchors: GENERIC_FACE_68,
    extras: extra.map((i) => MEAN_FACE_MESH[i]),
    outline: MESH_FACE_OVAL.map((m) => position.get(m)!),
  };
})();

/**
 * The mean FaceMesh, all 468 vertices.
 *
 * @example
 * FRONTAL_MODEL_MESH.anchors.length; // 468
 */
export const FRONTAL_MODEL_MESH: FrontalModel = {
  name: 'mesh',
  anchors: MEAN_FACE_MESH,
  extras: [],
  outline: MESH_FACE_OVAL,
};

/**
 * The generic face's counterparts of a template's reference points.
 *
 * @example
 * const ref = genericTemplatePoints('five'); // the generic face's eye centres, nose tip, mouth corners
 */
export function genericTemplatePoints(source: AlignmentTemplate['source']): readonly Point[] {
  if (source === 'five') return GENERIC_FACE_FIVE;
  if (source === 'landmarks51') return GENERIC_FACE_68.slice(17).map(([x, y]) => [x, y]);
  throw new FaceKitError('E_CONFIG', `unknown template source '${String(source)}'`);
}

/** Border vertices: a ring around the output frame, this far out (× the larger side). */
const BORDER_MARGIN = 0.35;

/**
 * The frontal pose of a model on an embedder's template: each vertex at the generic face's (x, y), mapped by the
 * similarity that puts the generic face's reference points onto the template's (so the frontal face is framed as
 * the embedder expects), plus a ring of border vertices around the frame; their triangulation and warp plan.
 *
 * @example
 * const [x, y] = applySimilarity(layout.toOutput, [0, 0]); // the generic face's centre on the output chip
 */
export interface FrontalLayout {
  model: FrontalModel;
  /** Generic (model-unit) → output-pixel similarity. */
  toOutput: Similarity;
  /** (x, y) in model units of every layout vertex: anchors, extras, then the border ring (exactly symmetric). */
  modelXY: Point[];
  /** Index of the first border vertex. */
  borderStart: number;
  plan: PiecewiseAffinePlan;
}

/**
 * Mirror partner of each 3D point across x = 0 (itself on the axis): pairs within `tol` of each other's reflection,
 * nearest first, each point used once (FaceMesh has coincident vertices, e.g. the inner mouth corners 62 and 78).
 * Throws when some point has no partner (the model is not symmetric).
 *
 * @example
 * const partner = mirrorPartners(MEAN_FACE_MESH); // partner[i]: the vertex mirroring i across x = 0
 */
export function mirrorPartners(points: readonly Point3[], tol = 0.01): Int32Array {
  const candidates: Array<[number, number, number]> = [];
  points.forEach(([x, y, z], i) => {
    for (let j = i; j < points.length; j++) {
      const q = points[j];
      const d = (q[0] + x) ** 2 + (q[1] - y) ** 2 + (q[2] - z) ** 2;
      if (d <= tol * tol) candidates.push([d, i, j]);
    }
  });
  candidates.sort((a, b) => a[0] - b[0]);
  const map = new Int32Array(points.length).fill(-1);
  for (const [, i, j] of candidates) {
    if (map[i] >= 0 || map[j] >= 0) continue;
    map[i] = j;
    map[j] = i;
  }
  const lone = map.indexOf(-1);
  if (lone >= 0)
    throw new FaceKitError('E_CONFIG', `vertex ${lone} has no mirror partner (the model is not symmetric)`);
  return map;
}

const asAffine = (t: Similarity): Affine2D => [t.a, -t.b, t.tx, t.b, t.a, t.ty];

/**
 * Builds the frontal layout of `model` for `template` (JS, once per template): the similarity, a symmetric border
 * ring, an exactly left-right symmetric Delaunay triangulation (delaunator) of the frontal vertex positions, and
 * the per-pixel triangle lookup.
 *
 * @example
 * const layout = frontalLayout(FRONTAL_MODEL_68, spec.template);
 */
export function frontalLayout(model: FrontalModel, template: AlignmentTemplate): FrontalLayout {
  const generic = genericTemplatePoints(template.source);
  if (generic.length !== template.points.length) {
    throw new FaceKitError(
      'E_CONFIG',
      `template '${template.source}' has ${template.points.length} points; the generic face has ${generic.length}`,
    );
  }
  const toOutput = estimateSimilarity(generic, template.points);
  const toModel = invertSimilarity(toOutput);
  const [h, w] = template.size;
  // Vertices, made exactly symmetric (the stored model is symmetric up to its 0.001 rounding).
  const vertices3 = [...model.anchors, ...model.extras];
  const partner = mirrorPartners(vertices3);
  const modelXY: Point[] = vertices3.map(([x, y], i) => {
    const [px, py] = vertices3[partner[i]];
    return partner[i] === i ? [0, y] : [(x - px) / 2, (y + py) / 2];
  });
  // Border ring: symmetric about x = 0, enclosing the output frame with a margin.
  const borderStart = modelXY.length;
  const corners = (
    [
      [0, 0],
      [w - 1, 0],
      [0, h - 1],
      [w - 1, h - 1],
    ] as Point[]
  ).map((p) => applySimilarity(toModel, p));
  const m = (BORDER_MARGIN * Math.max(h, w)) / Math.hypot(toOutput.a, toOutput.b);
  const X = Math.max(...corners.map((p) => Math.abs(p[0]))) + m;
  const y0 = Math.min(...corners.map((p) => p[1])) - m;
  const y1 = Math.max(...corners.map((p) => p[1])) + m;
  const ring: Point[] = [];
  for (const f of [-1, -0.5, 0, 0.5, 1]) ring.push([f * X, y0], [f * X, y1]);
  for (const f of [0.25, 0.5, 0.75]) ring.push([-X, y0 + f * (y1 - y0)], [X, y0 + f * (y1 - y0)]);
  const mirrorOf = Int32Array.from([...partner, ...ring.map((p, k) => (p[0] === 0 ? borderStart + k : -1))]);
  ring.forEach(([x, y], k) => {
    if (x !== 0) mirrorOf[borderStart + k] = borderStart + ring.findIndex((q) => q[0] === -x && q[1] === y);
  });
  modelXY.push(...ring);
  const { triangles, mirror } = symmetricTriangulation(modelXY, mirrorOf);
  const layout = modelXY.map((p) => applySimilarity(toOutput, p));
  const flip: Affine2D = [-1, 0, 0, 0, 1, 0];
  const reflect = composeAffine(asAffine(toOutput), composeAffine(flip, asAffine(toModel)));
  // Only triangles of the face itself can be turned away; those reaching the border ring are background.
  const cullable = new Uint8Array(triangles.length / 3);
  for (let t = 0; t < cullable.length; t++) {
    cullable[t] =
      triangles[3 * t] < borderStart && triangles[3 * t + 1] < borderStart && triangles[3 * t + 2] < borderStart
        ? 1
        : 0;
  }
  const plan = planPiecewiseAffine(layout, triangles, [h, w], { mirror: { triangle: mirror, reflect }, cullable });
  return { model, toOutput, modelXY, borderStart, plan };
}
