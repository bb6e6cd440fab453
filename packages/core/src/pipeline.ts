import * as tf from '@tensorflow/tfjs-core';
import { recordingContext } from './embedding-identity.js';
import { abortCheckpoint, FaceKitError, isFaceKitError } from './errors.js';
import { assertImageTensor, boxArea, wholeImageBox } from './image.js';
import type { MetricName } from './metrics.js';
import { checkValues, type FacePick, type OptionsOf, PIPELINE_OPTIONS, resolveModelOptions } from './options.js';
import {
  type Aligner,
  type Detector,
  type Embedder,
  type EmbedderSpec,
  type Landmarker,
  type ModelContext,
  models,
} from './registry.js';
import type { Box, Embedding, Face } from './types.js';
import { compareEmbeddings, type Verdict } from './verify.js';

/**
 * One plain object configures the whole pipeline; swapping FaceNet for DeepFace is one field. Derived from
 * PIPELINE_OPTIONS (options.ts), where each option's type, default, check and doc are defined.
 *
 * @example
 * const options: PipelineOptions = { detector: 'blazeface', align: '3d', embedder: 'facenet512', metric: 'cosine' };
 */
export type PipelineOptions = OptionsOf<typeof PIPELINE_OPTIONS>;

/**
 * Options of one `represent` call.
 *
 * @example
 * const reps = await pipeline.represent(image, { all: true, enforceDetection: false } satisfies RepresentOptions);
 */
export interface RepresentOptions {
  /** Throw E_NO_FACE when no face is found (default true); when false the whole image is used. */
  enforceDetection?: boolean;
  /** Embed every face instead of the largest one. */
  all?: boolean;
  signal?: AbortSignal;
}

/**
 * Which face of an image was used: its box and score, and how many faces the image held.
 *
 * @example
 * const s: FaceSummary = (await verify(a, b)).faces.img1; // { box, score, faceCount, ... }
 */
export interface FaceSummary {
  box: Box;
  score: number;
  /**
   * How many faces the detector found in the image. When one face is wanted, a detector's quick look (BlazeFace:
   * 160² for portraits) may answer alone, so small bystanders beside a large face need not be counted; `detect()`,
   * `all: true` and `quickLook: false` count every face.
   */
  faceCount: number;
  /**
   * The rule that chose this face: 'largest' / 'central' when several faces were found (see PipelineOptions.pick),
   * 'only' for one, 'fallback' for the whole-image fallback, 'all' when every face was embedded.
   */
  chosen: FacePick | 'only' | 'fallback' | 'all';
}

/**
 * One face's embedding with the face it came from.
 *
 * @example
 * const [rep]: Representation[] = await represent('a.jpg');
 * rep.embedding.vector; // Float32Array
 */
export interface Representation {
  embedding: Embedding;
  face: Face;
  summary: FaceSummary;
}

/**
 * What `verify` returns: the verdict plus the models used, the faces compared and the time taken.
 *
 * @example
 * const r: VerifyResult = await pipeline.verify(imageA, imageB);
 * console.log(r.verified, r.distance, r.embedder, r.aligner, r.timeMs);
 */
export interface VerifyResult extends Verdict {
  detector: string;
  aligner: string;
  faces: { img1: FaceSummary; img2: FaceSummary };
  timeMs: number;
}

/**
 * The face with the largest area × (1 − distance of its centre from the image centre / half the diagonal): a large
 * bystander at the edge loses to the framed subject, while a clearly larger central face still wins.
 */
function mostCentral(faces: Face[], image: tf.Tensor3D): Face {
  const [h, w] = image.shape;
  const halfDiagonal = Math.hypot(w, h) / 2;
  const weight = (f: Face) => {
    const dx = f.box.x + f.box.width / 2 - w / 2;
    const dy = f.box.y + f.box.height / 2 - h / 2;
    return boxArea(f.box) * Math.max(0, 1 - Math.hypot(dx, dy) / halfDiagonal);
  };
  return faces.reduce((best, f) => (weight(f) > weight(best) ? f : best));
}

/** The mean of two embeddings; back onto the unit sphere when the embedder's outputs live there. */
function averageVectors(a: Float32Array, b: Float32Array, normalized: boolean): Float32Array {
  const out = new Float32Array(a.length);
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    out[i] = (a[i] + b[i]) / 2;
    norm += out[i] * out[i];
  }
  if (normalized && norm > 0) {
    const k = 1 / Math.sqrt(norm);
    for (let i = 0; i < out.length; i++) out[i] *= k;
  }
  return out;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/**
 * detect → landmarks → align → embed → compare. Create one per configuration and reuse it; it holds the models.
 *
 * @example
 * const p = await FacePipeline.create(ctx, { embedder: 'faceres' });
 * const r = await p.verify(imageA, imageB); // r.verified, r.distance
 * p.dispose();
 */
export class FacePipeline {
  private constructor(
    readonly options: Required<Omit<PipelineOptions, 'threshold'>> & { threshold?: number },
    readonly spec: EmbedderSpec,
    private readonly detector: Detector,
    private readonly landmarker: Landmarker | undefined,
    private readonly aligner: Aligner,
    private readonly embedder: Embedder,
    /** Fingerprint of the embedder's weights (see Embedding.weights); undefined where it could not be taken. */
    readonly weights?: string,
  ) {}

  static async create(ctx: ModelContext, options: PipelineOptions = {}): Promise<FacePipeline> {
    checkValues(PIPELINE_OPTIONS, options);
    const resolved = resolveModelOptions(options);
    const opts = {
      ...resolved,
      metric: options.metric ?? models.embedders.get(resolved.embedder).defaultMetric,
      threshold: options.threshold,
    };
    const spec = models.embedders.get(opts.embedder);
    const recorded = recordingContext(ctx);
    // allSettled, not all: when one model fails (e.g. a bad weights file), the ones that loaded are disposed.
    const parts = await Promise.allSettled([
      models.detectors.get(opts.detector).create(ctx),
      opts.landmarker === 'none' ? undefined : models.landmarkers.get(opts.landmarker).create(ctx),
      models.aligners.get(opts.align).create(ctx),
      spec.create(recorded.ctx),
    ] as const);
    const failed = parts.find((p) => p.status === 'rejected');
    if (failed) {
      for (const p of parts) if (p.status === 'fulfilled') (p.value as { dispose?(): void } | undefined)?.dispose?.();
      throw failed.reason;
    }
    const [detector, landmarker, aligner, embedder] = parts.map((p) => (p as PromiseFulfilledResult<unknown>).value);
    const weights = await recorded.fingerprint();
    return new FacePipeline(
      opts,
      spec,
      detector as Detector,
      landmarker as Landmarker | undefined,
      aligner as Aligner,
      embedder as Embedder,
      weights,
    );
  }

  /** All faces, largest first, with landmarks when a landmarker is configured. */
  async detect(image: tf.Tensor3D, signal?: AbortSignal): Promise<Face[]> {
    return this.refine(image, await this.detectBoxes(image, signal), signal);
  }

  /** The detector's faces, largest first, before landmarks; `quick` when only the prominent face is wanted. */
  private async detectBoxes(image: tf.Tensor3D, signal?: AbortSignal, quick = false): Promise<Face[]> {
    assertImageTensor(image);
    await abortCheckpoint(signal);
    const found = await this.detector.detect(image, { minScore: this.options.minFaceScore, quick });
    return found.sort((a, b) => boxArea(b.box) - boxArea(a.box));
  }

  /** Landmarks for the given faces (the landmarker keeps each box, so picking a face needs none). */
  private async refine(image: tf.Tensor3D, faces: Face[], signal?: AbortSignal): Promise<Face[]> {
    const out: Face[] = [];
    for (const f of faces) {
      await abortCheckpoint(signal);
      out.push(this.landmarker ? await this.landmarker.refine(image, f) : f);
    }
    return out;
  }

  /** Chooses the faces to embed: the largest (or all), or the whole image when allowed. */
  async facesToEmbed(image: tf.Tensor3D, o: RepresentOptions): Promise<Array<{ face: Face; summary: FaceSummary }>> {
    // Only the faces that will be embedded get landmarks: a crowd behind the subject costs one detector run.
    // One face wanted: the detector may stop at a cheap look that shows a large face (BlazeFace: 160² for portraits).
    const faces = await this.detectBoxes(image, o.signal, !o.all && this.options.quickLook);
    if (faces.length === 0) {
      if (o.enforceDetection ?? true) {
        throw new FaceKitError(
          'E_NO_FACE',
          'no face found in the image (pass enforceDetection: false to use the whole image)',
        );
      }
      const face: Face = { box: wholeImageBox(image), score: 0, detector: 'none' };
      return [{ face, summary: { box: face.box, score: 0, faceCount: 0, chosen: 'fallback' } }];
    }
    const picked = o.all ? faces : [this.options.pick === 'central' ? mostCentral(faces, image) : faces[0]];
    const chosen = await this.refine(image, picked, o.signal);
    return chosen.map((face) => ({
      face,
      summary: {
        box: face.box,
        score: face.score,
        faceCount: faces.length,
        chosen: o.all ? 'all' : faces.length > 1 ? this.options.pick : 'only',
      },
    }));
  }

  /**
   * Aligns and embeds already-detected faces in one batch (e.g. faces found by another pipeline with the same
   * detector, to compare embedders on identical detections).
   */
  async embedFaces(items: Array<{ image: tf.Tensor3D; face: Face }>): Promise<Embedding[]> {
    const n = items.length;
    const batch = tf.tidy(() => {
      const aligned = tf.stack(items.map(({ image, face }) => this.aligner.align(image, face, this.spec.template)));
      // Mirrors go after the originals in the same batch: one embedder call, rows i and n + i belong together.
      return this.options.flip ? tf.concat([aligned, tf.reverse(aligned, 2)]) : aligned;
    }) as tf.Tensor4D;
    try {
      const vectors = await this.embedder.embed(batch);
      const out = this.options.flip
        ? vectors.slice(0, n).map((v, i) => averageVectors(v, vectors[n + i], this.spec.normalized))
        : vectors;
      const weights = this.weights;
      return out.map((vector) =>
        weights ? { vector, embedder: this.spec.name, weights } : { vector, embedder: this.spec.name },
      );
    } finally {
      batch.dispose();
    }
  }

  /** Embeddings of the largest face (or every face with `all`). */
  async represent(image: tf.Tensor3D, options: RepresentOptions = {}): Promise<Representation[]> {
    const picked = await this.facesToEmbed(image, options);
    await abortCheckpoint(options.signal);
    const embeddings = await this.embedFaces(picked.map(({ face }) => ({ image, face })));
    return picked.map((p, i) => ({ embedding: embeddings[i], face: p.face, summary: p.summary }));
  }

  /** facesToEmbed() of one of several inputs: an E_NO_FACE names which (`details.index`, 0-based). */
  private async facesOfInput(index: number, image: tf.Tensor3D, o: RepresentOptions) {
    try {
      return await this.facesToEmbed(image, o);
    } catch (e) {
      if (!isFaceKitError(e, 'E_NO_FACE')) throw e;
      throw new FaceKitError('E_NO_FACE', `img${index + 1}: ${e.message}`, { details: { ...e.details, index } });
    }
  }

  /** Same person? Uses the largest face of each image. */
  async verify(
    img1: tf.Tensor3D,
    img2: tf.Tensor3D,
    options: { enforceDetection?: boolean; signal?: AbortSignal; metric?: MetricName; threshold?: number } = {},
  ): Promise<VerifyResult> {
    const t0 = now();
    const o = { enforceDetection: options.enforceDetection, signal: options.signal };
    const [a] = await this.facesOfInput(0, img1, o);
    await abortCheckpoint(o.signal);
    const [b] = await this.facesOfInput(1, img2, o);
    await abortCheckpoint(o.signal);
    const [ea, eb] = await this.embedFaces([
      { image: img1, face: a.face },
      { image: img2, face: b.face },
    ]);
    const verdict = compareEmbeddings(ea, eb, this.spec, {
      metric: options.metric ?? this.options.metric,
      threshold: options.threshold ?? this.options.threshold,
    });
    return {
      ...verdict,
      detector: this.options.detector,
      aligner: this.options.align,
      faces: { img1: a.summary, img2: b.summary },
      timeMs: now() - t0,
    };
  }

  dispose(): void {
    this.detector.dispose();
    this.landmarker?.dispose();
    this.embedder.dispose();
  }
}
