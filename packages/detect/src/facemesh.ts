import {
  assertImageTensor,
  FaceKitError,
  type Face,
  type FivePoints,
  type Landmarker,
  type LandmarkerSpec,
  type ModelContext,
  type Point,
  type Point3,
} from '@facekit/core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import { applyAffine, cropToImage, type RotatedSquare } from './affine.js';
import { cropRegion } from './crop.js';
import { loadBundledGraph } from './load-graph.js';
import {
  MESH_LEFT_EYE,
  MESH_MOUTH_LEFT,
  MESH_MOUTH_RIGHT,
  MESH_NOSE_TIP,
  MESH_RIGHT_EYE,
  MESH_TO_68,
} from './mesh-68.js';
import { eyeAngle, regionFromDetection, regionFromMesh } from './regions.js';

/**
 * Side of FaceMesh's square input crop in pixels.
 *
 * @example
 * const pixelsPerInputPixel = cropSide / FACEMESH_INPUT;
 */
export const FACEMESH_INPUT = 192;
const MESH_POINTS = 468;
/**
 * passes 'auto' looks again when the first crop's turn and the mesh's eye line differ by more than this (10°). On the
 * first image of 300 LFW people it never fired upright and fired for half of them turned 90°.
 */
const RELOOK_ANGLE = (10 * Math.PI) / 180;

/**
 * Options of the FaceMesh landmarker.
 *
 * @example
 * const mesh = await FaceMeshLandmarker.load(ctx, { minPresence: 0.5, passes: 2 } satisfies FaceMeshOptions); // steadier
 */
export interface FaceMeshOptions {
  /** Minimum face-presence score of the mesh model; below it the face keeps no landmarks (default 0.5). */
  minPresence?: number;
  /**
   * Looks: 1 crops around the detector's box, turned by its eye keypoints; 2 crops again around the first mesh,
   * turned by its eye line, as MediaPipe tracks: it halves the points' rotation error (20° roll: 0.30 px mean
   * instead of 0.64) for one more model run (~6 ms), but did not verify better on upright faces (LFW View 1 with
   * flip: DevTrain 99.09 % vs 99.23 % with one look, DevTest 98.50 % vs 98.80 %). 'auto' (default): the second look
   * only when the first crop was turned more than RELOOK_ANGLE off the mesh's own eye line (strongly rolled faces,
   * where the detector's eye keypoints are rough).
   */
  passes?: 1 | 2 | 'auto';
}

/**
 * A face after FaceMesh: `meshScore` is the mesh model's face-presence score (kept even when it was too low).
 *
 * @example
 * const f = (await mesh.refine(image, face)) as MeshFace;
 * if (f.meshScore < 0.5) console.log('landmarks not trusted');
 */
export interface MeshFace extends Face {
  /**
   * FaceMesh's face-presence score in [0, 1]. When it is below `minPresence` the face is returned as the detector
   * gave it (no `mesh`, no `landmarks`, the detector's `five`), with this score set so callers can tell.
   */
  meshScore?: number;
}

function mean(points: Point3[], idx: readonly number[]): Point {
  let x = 0;
  let y = 0;
  for (const i of idx) {
    x += points[i][0];
    y += points[i][1];
  }
  return [x / idx.length, y / idx.length];
}

/**
 * The five alignment points from a mesh: eye centres (means of the 16-point lid contours), nose tip, mouth corners.
 * Order follows the subject: right eye (image-left when upright), left eye, nose, right and left mouth corner.
 *
 * @example
 * const five = fiveFromMesh(face.mesh!); // eye centres, nose tip, mouth corners
 */
export function fiveFromMesh(mesh: Point3[]): FivePoints {
  const p = (i: number): Point => [mesh[i][0], mesh[i][1]];
  return [
    mean(mesh, MESH_RIGHT_EYE),
    mean(mesh, MESH_LEFT_EYE),
    p(MESH_NOSE_TIP),
    p(MESH_MOUTH_RIGHT),
    p(MESH_MOUTH_LEFT),
  ];
}

/**
 * The 68 iBUG 300-W points from a FaceMesh (see MESH_TO_68 for the correspondence).
 *
 * @example
 * const landmarks = landmarks68FromMesh(face.mesh!); // 68 [x, y] points, iBUG order
 */
export function landmarks68FromMesh(mesh: Point3[]): Point[] {
  return MESH_TO_68.map((i) => [mesh[i][0], mesh[i][1]]);
}

/**
 * MediaPipe FaceMesh (192×192 → 468 3D points). The face is cut out of the image as a square 1.5× the detector box,
 * turned so the eyes are level (one `tf.image.transform`, straight from the original image), and the mesh is mapped
 * back through the exact inverse of that crop. Fills `mesh` (468 [x, y, z], pixel-index coordinates, z in pixels,
 * smaller = nearer), `landmarks` (68 iBUG points) and `five` (from the mesh). The box stays the detector's.
 *
 * @example
 * const mesh = await FaceMeshLandmarker.load(ctx);
 * const [face] = await detector.detect(image);
 * const refined = await mesh.refine(image, face); // refined.landmarks.length === 68
 */
export class FaceMeshLandmarker implements Landmarker {
  readonly name = 'facemesh';

  private constructor(
    private readonly model: GraphModel,
    private readonly minPresence: number,
    private readonly passes: 1 | 2 | 'auto',
  ) {}

  static async load(ctx: ModelContext, options: FaceMeshOptions = {}): Promise<FaceMeshLandmarker> {
    const minPresence = options.minPresence ?? 0.5;
    const passes = options.passes ?? 'auto';
    if (!(minPresence >= 0 && minPresence <= 1)) {
      throw new FaceKitError('E_CONFIG', `minPresence must be in [0, 1], got ${minPresence}`);
    }
    if (passes !== 1 && passes !== 2 && passes !== 'auto') {
      throw new FaceKitError('E_CONFIG', `passes must be 1, 2 or 'auto', got ${String(passes)}`);
    }
    const model = await loadBundledGraph(ctx, 'facemesh.json', [FACEMESH_INPUT, FACEMESH_INPUT, 3]);
    // The converted model's signature names its outputs; the contours output is left unrun.
    if (!model.outputNodes.includes('output_mesh') || !model.outputNodes.includes('output_faceflag')) {
      model.dispose();
      throw new FaceKitError('E_WEIGHTS_FORMAT', 'facemesh: expected output_mesh and output_faceflag outputs');
    }
    return new FaceMeshLandmarker(model, minPresence, passes);
  }

  async refine(image: tf.Tensor3D, face: Face): Promise<MeshFace> {
    assertImageTensor(image);
    const first = regionFromDetection(face);
    let result = await this.meshIn(image, first);
    if (!result || result.score < this.minPresence) return { ...face, meshScore: result?.score ?? 0 };
    let five = fiveFromMesh(result.mesh);
    const angle = eyeAngle(five[0], five[1]);
    const offBy = Math.abs(Math.atan2(Math.sin(angle - first.angle), Math.cos(angle - first.angle)));
    if (this.passes === 2 || (this.passes === 'auto' && offBy > RELOOK_ANGLE)) {
      const second = await this.meshIn(image, regionFromMesh(result.mesh, angle));
      if (second && second.score >= this.minPresence) {
        result = second;
        five = fiveFromMesh(result.mesh);
      }
    }
    return {
      ...face,
      five,
      landmarks: landmarks68FromMesh(result.mesh),
      mesh: result.mesh,
      meshScore: result.score,
    };
  }

  /** Runs the mesh on one region; undefined when the region lies outside the image. */
  private async meshIn(
    image: tf.Tensor3D,
    region: RotatedSquare,
  ): Promise<{ score: number; mesh: Point3[] } | undefined> {
    const crop = cropRegion(image, region, FACEMESH_INPUT, 1 / 255);
    if (!crop) return undefined;
    let raw: Float32Array;
    let score: number;
    let out: tf.Tensor[] = [];
    try {
      out = this.model.execute(crop, ['output_mesh', 'output_faceflag']) as tf.Tensor[];
      raw = (await out[0].data()) as Float32Array;
      score = (await out[1].data())[0];
    } finally {
      tf.dispose([crop, ...out]);
    }
    // Mesh x, y are continuous crop pixels (the crop spans [0, 192]); z shares their scale.
    const toImage = cropToImage(region, FACEMESH_INPUT);
    const zScale = region.size / FACEMESH_INPUT;
    const mesh: Point3[] = new Array(MESH_POINTS);
    for (let i = 0; i < MESH_POINTS; i++) {
      const [x, y] = applyAffine(toImage, raw[3 * i], raw[3 * i + 1]);
      mesh[i] = [x - 0.5, y - 0.5, raw[3 * i + 2] * zScale];
    }
    return { score, mesh };
  }

  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Registry entry: `models.landmarkers.get('facemesh')`.
 *
 * @example
 * const landmarker = await faceMeshSpec.create(ctx);
 * const refined = await landmarker.refine(image, face); // refined.mesh, refined.landmarks, refined.five
 */
export const faceMeshSpec: LandmarkerSpec = {
  name: 'facemesh',
  description:
    'MediaPipe FaceMesh (192×192 → 468 3D points, 68 iBUG points derived), eye-levelled crop, a second look for rolled faces',
  create: (ctx) => FaceMeshLandmarker.load(ctx),
};
