import type { Tensor3D, Tensor4D } from '@tensorflow/tfjs-core';
import type { AnalyzerSpec } from './analyze/types.js';
import { FaceKitError } from './errors.js';
import type { MetricName } from './metrics.js';
import type { FileLoader } from './model-files.js';
import type { Face, Point } from './types.js';

/**
 * What a model factory gets from the platform.
 *
 * @example
 * const ctx: ModelContext = { files: async (p) => readFile(join(modelsDir, p)), readFile };
 * const detector = await models.detectors.get('blazeface').create(ctx);
 */
export interface ModelContext {
  /** Reads files of the bundled model folder (`@facekit/models`). */
  files: FileLoader;
  /** Resolves weights that are not bundled (Keras h5 downloads): name → bytes. Provided by the platform. */
  weights?: (name: string, options?: { path?: string }) => Promise<Uint8Array>;
  /** An explicit weights file for the model being created (the `weightsPath` option). */
  weightsPath?: string;
  /** Reads a file by path (e.g. `weightsPath`). Provided by platforms with a file system (`@facekit/node`). */
  readFile?: (path: string) => Promise<Uint8Array>;
}

/**
 * Where an aligner must put the face for an embedder: the output size and target positions of reference points.
 *
 * @example
 * const template: AlignmentTemplate = models.embedders.get('faceres').template;
 * template.size; // [224, 224]
 */
export interface AlignmentTemplate {
  /** Output [height, width] in pixels. */
  size: [number, number];
  /**
   * Which points of the face the template positions: `five` = Face.five (eyes, nose tip, mouth corners),
   * `landmarks51` = Face.landmarks[17..67] (dlib's alignment: brows, nose, eyes, mouth).
   */
  source: 'five' | 'landmarks51';
  /** Target coordinates in output pixels, in the order of `source`. */
  points: Point[];
}

/**
 * A loaded face detector (from `models.detectors.get(name).create(ctx)`).
 *
 * @example
 * const detector: Detector = await models.detectors.get('blazeface').create(ctx);
 * const faces = await detector.detect(image, { minScore: 0.6 });
 * detector.dispose();
 */
export interface Detector {
  readonly name: string;
  /**
   * Faces in the image, best first. Never keeps a reference to `image`. `quick`: the caller needs only the
   * prominent face, so a detector may answer from a cheaper look when it shows a large face (and miss smaller ones).
   */
  detect(image: Tensor3D, options?: { minScore?: number; maxFaces?: number; quick?: boolean }): Promise<Face[]>;
  dispose(): void;
}

/**
 * A loaded landmarker: adds landmarks, five points and (FaceMesh) the mesh to a detected face.
 *
 * @example
 * const landmarker: Landmarker = await models.landmarkers.get('facemesh').create(ctx);
 * const refined = await landmarker.refine(image, faces[0]);
 */
export interface Landmarker {
  readonly name: string;
  /**
   * Returns the face with `landmarks` (68 points), `five` and, where available, `mesh` filled in. The box and score
   * stay the detector's: pipelines choose which face to embed by box before refining only that one.
   */
  refine(image: Tensor3D, face: Face): Promise<Face>;
  dispose(): void;
}

/**
 * A loaded aligner: warps a face onto an embedder's template.
 *
 * @example
 * const aligner: Aligner = await models.aligners.get('2d').create(ctx);
 * const chip = aligner.align(image, face, spec.template); // [h, w, 3]; dispose it
 */
export interface Aligner {
  readonly name: string;
  /** The face cut out and warped onto the template: [h, w, 3] float32 0..255. The caller disposes it. */
  align(image: Tensor3D, face: Face, template: AlignmentTemplate): Tensor3D;
}

/**
 * A loaded embedder: aligned faces in, one vector per face out.
 *
 * @example
 * const embedder: Embedder = await models.embedders.get('dlib-resnet34').create(ctx);
 * const [vector] = await embedder.embed(chips); // chips: [n, 150, 150, 3]
 */
export interface Embedder {
  readonly name: string;
  readonly dim: number;
  /** Embeds a batch of aligned faces [n, h, w, 3] (0..255) into n vectors. Disposes nothing it did not create. */
  embed(faces: Tensor4D): Promise<Float32Array[]>;
  dispose(): void;
}

/**
 * Everything the registry knows about an embedder before its weights are loaded.
 *
 * @example
 * const spec: EmbedderSpec = models.embedders.get('dlib-resnet34');
 * console.log(spec.dim, spec.defaultMetric, spec.thresholds);
 */
export interface EmbedderSpec {
  name: string;
  description: string;
  dim: number;
  template: AlignmentTemplate;
  /** Whether the model's output is L2-normalised (by the network or by us). */
  normalized: boolean;
  defaultMetric: MetricName;
  /** Default decision thresholds per metric: same person when distance ≤ threshold. */
  thresholds: Partial<Record<MetricName, number>>;
  /**
   * Logistic calibration of P(same | distance) per metric: confidence = 1 / (1 + exp(scale · (d − threshold))).
   * Fitted on LFW folds (see `facekit bench lfw`).
   */
  calibration?: Partial<Record<MetricName, { scale: number }>>;
  /** Where the thresholds came from, for the docs. */
  provenance?: string;
  create(ctx: ModelContext): Promise<Embedder>;
}

/**
 * A registry entry of a detector: its name, description and factory.
 *
 * @example
 * const spec: DetectorSpec = { name: 'my-detector', description: 'boxes from elsewhere', create: async () => myDetector };
 * models.detectors.register(spec);
 */
export interface DetectorSpec {
  name: string;
  description: string;
  create(ctx: ModelContext): Promise<Detector>;
}

/**
 * A registry entry of a landmarker.
 *
 * @example
 * const spec: LandmarkerSpec = models.landmarkers.get('facemesh');
 */
export interface LandmarkerSpec {
  name: string;
  description: string;
  create(ctx: ModelContext): Promise<Landmarker>;
}

/**
 * A registry entry of an aligner.
 *
 * @example
 * const names = models.aligners.list().map((s: AlignerSpec) => s.name); // ['2d', 'none', '3d', ...]
 */
export interface AlignerSpec {
  name: string;
  description: string;
  create(ctx: ModelContext): Promise<Aligner>;
}

/**
 * A name → spec table with one error for unknown names. A name is registered once: registering another spec under
 * a taken name is refused (E_CONFIG) unless `{ replace: true }` says it is meant, so two packages (or two copies of
 * one) cannot silently swap each other's models. Registering the very same spec object again is a no-op.
 *
 * @example
 * const detectors = new Registry<DetectorSpec>('detector');
 * detectors.register(mySpec);
 * detectors.register({ ...mySpec, description: 'v2' }, { replace: true }); // without replace: E_CONFIG
 * detectors.get('nope'); // E_UNKNOWN_MODEL naming the registered ones
 */
export class Registry<T extends { name: string; description: string }> {
  private readonly entries = new Map<string, T>();
  constructor(private readonly kind: string) {}

  register(spec: T, options: { replace?: boolean } = {}): void {
    const existing = this.entries.get(spec.name);
    if (existing !== undefined && existing !== spec && options.replace !== true) {
      throw new FaceKitError(
        'E_CONFIG',
        `a ${this.kind} named '${spec.name}' is already registered; pass { replace: true } to replace it`,
        { details: { kind: this.kind, name: spec.name } },
      );
    }
    this.entries.set(spec.name, spec);
  }

  get(name: string): T {
    const spec = this.entries.get(name);
    if (!spec) {
      const known = [...this.entries.keys()].join(', ') || 'none registered';
      throw new FaceKitError('E_UNKNOWN_MODEL', `unknown ${this.kind} '${name}' (known: ${known})`);
    }
    return spec;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  list(): T[] {
    return [...this.entries.values()];
  }
}

/**
 * The one model registry: every package registers its models here on import.
 *
 * @example
 * models.embedders.list().map((s) => s.name); // ['dlib-resnet34', 'faceres', ...] after the model packages are imported
 * const spec = models.embedders.get('dlib-resnet34'); // dim, template, defaultMetric, thresholds
 */
export const models = {
  embedders: new Registry<EmbedderSpec>('embedder'),
  detectors: new Registry<DetectorSpec>('detector'),
  landmarkers: new Registry<LandmarkerSpec>('landmarker'),
  aligners: new Registry<AlignerSpec>('aligner'),
  /** Face analysers (age, gender, emotion, race, spoof, liveness): packages/core/src/analyze. */
  analyzers: new Registry<AnalyzerSpec>('analyzer'),
};
