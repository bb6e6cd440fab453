import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { FaceSummary } from '../pipeline.js';
import type { ModelContext } from '../registry.js';
import type { Face } from '../types.js';

/**
 * What `analyze()` can tell about a face. `spoof`: is the face photo manipulated (a "fake face" classifier);
 * `liveness`: is it a live face rather than a replayed one (see each analyser's description for what it was trained
 * on — neither replaces a presentation-attack-detection system).
 *
 * @example
 * const actions: AnalysisAction[] = ['age', 'gender', 'emotion'];
 */
export type AnalysisAction = 'age' | 'gender' | 'emotion' | 'race' | 'spoof' | 'liveness';

/**
 * Every action, in the order results list them.
 *
 * @example
 * ANALYSIS_ACTIONS.includes('race'); // true
 */
export const ANALYSIS_ACTIONS: readonly AnalysisAction[] = ['age', 'gender', 'emotion', 'race', 'spoof', 'liveness'];

/**
 * The seven emotion classes of `analyze()` (deepface's and FER-2013's), in this order.
 *
 * @example
 * const e: EmotionLabel = 'happy';
 */
export type EmotionLabel = 'angry' | 'disgust' | 'fear' | 'happy' | 'sad' | 'surprise' | 'neutral';

/**
 * The emotion labels in result order.
 *
 * @example
 * EMOTION_LABELS.length; // 7
 */
export const EMOTION_LABELS: readonly EmotionLabel[] = [
  'angry',
  'disgust',
  'fear',
  'happy',
  'sad',
  'surprise',
  'neutral',
];

/**
 * Perceived gender as the models were trained to label it (a binary label of the training sets, not identity).
 *
 * @example
 * const g: GenderLabel = 'female';
 */
export type GenderLabel = 'male' | 'female';

/**
 * How an analyser wants its face cut out of the image before its own resizing and normalisation: a square box
 * around the detector's box, `scale` × its longer side, centred on it, resampled to `size` × `size` (RGB 0..255).
 * Analysers with the same crop share one batched crop per image.
 *
 * @example
 * const crop: FaceCrop = { scale: 1.4, size: 192 }; // @vladmandic/human's face tensor
 */
export interface FaceCrop {
  /** Side of the square crop / the longer side of the detector's box. */
  scale: number;
  /** Output side in pixels. */
  size: number;
}

/**
 * An age estimate: years, and where the model has one, its distribution over age bins.
 *
 * @example
 * const a: AgeEstimate = { years: 31.4, distribution: { labels: ['0', '1'], scores: [0.01, 0.02] } };
 */
export interface AgeEstimate {
  years: number;
  distribution?: { labels: string[]; scores: number[] };
}

/**
 * A label with its probability, and the probability of every class (summing to 1).
 *
 * @example
 * const g: Classification<GenderLabel> = { label: 'female', score: 0.93, scores: { male: 0.07, female: 0.93 } };
 */
export interface Classification<L extends string> {
  label: L;
  score: number;
  scores: Record<L, number>;
}

/**
 * A binary check (spoof, liveness): the model's score, the threshold and the verdict `score ≥ threshold`.
 *
 * @example
 * const s: BinaryCheck = { score: 0.91, threshold: 0.5, passed: true };
 */
export interface BinaryCheck {
  score: number;
  threshold: number;
  passed: boolean;
}

/**
 * What one analyser says about one face (only the actions it provides are set).
 *
 * @example
 * const part: FaceAttributes = { age: { years: 30 }, gender: { label: 'male', score: 0.9, scores: { male: 0.9, female: 0.1 } } };
 */
export interface FaceAttributes {
  age?: AgeEstimate;
  gender?: Classification<GenderLabel>;
  emotion?: Classification<EmotionLabel>;
  race?: Classification<string>;
  spoof?: BinaryCheck;
  liveness?: BinaryCheck;
}

/**
 * A loaded analyser: batches of face crops in, one attributes object per face out.
 *
 * @example
 * const analyzer: Analyzer = await models.analyzers.get('emotion').create(ctx);
 * const [attrs] = await analyzer.analyze(crops); // crops: [n, 192, 192, 3] 0..255, cut as its spec's `crop` says
 * analyzer.dispose();
 */
export interface Analyzer {
  readonly name: string;
  /** Analyses a batch of crops [n, size, size, 3] float32 0..255. Disposes nothing it did not create. */
  analyze(crops: Tensor4D): Promise<FaceAttributes[]>;
  dispose(): void;
}

/**
 * A registry entry of an analyser: the actions it provides, the crop it was trained with, and its source.
 *
 * @example
 * const spec: AnalyzerSpec = models.analyzers.get('gear');
 * spec.actions; // ['age', 'gender', 'race']
 */
export interface AnalyzerSpec {
  name: string;
  /** What the model is, its input (crop, size, colour, normalisation) and decoding, each with its source. */
  description: string;
  actions: AnalysisAction[];
  crop: FaceCrop;
  /** Limits and biases as the model's authors state them, for the docs and `facekit models`. */
  limits: string;
  create(ctx: ModelContext): Promise<Analyzer>;
}

/**
 * The analysis of one face: the face and why it was chosen, then one entry per action asked.
 *
 * @example
 * const [a]: FaceAnalysis[] = await analyze('photo.jpg');
 * console.log(a.age, a.gender.label, a.emotion.dominant);
 */
export interface FaceAnalysis {
  face: Face;
  summary: FaceSummary;
  /** Years. */
  age?: number;
  /** The age model's distribution, where it has one. */
  ageDistribution?: { labels: string[]; scores: number[] };
  gender?: { label: GenderLabel; score: number; scores: Record<GenderLabel, number> };
  emotion?: { dominant: EmotionLabel; scores: Record<EmotionLabel, number> };
  race?: { dominant: string; scores: Record<string, number> };
  spoof?: { real: boolean; score: number; threshold: number };
  liveness?: { live: boolean; score: number; threshold: number };
  /** Which analyser answered each action. */
  analyzers: Partial<Record<AnalysisAction, string>>;
}

/**
 * Options of an analysis: which actions, and which analyser per action (swap models by config).
 *
 * @example
 * const o: AnalyzeOptions = { actions: ['age', 'gender'], analyzers: { age: 'gear' } };
 */
export interface AnalyzeOptions {
  /** Default: age, gender, emotion. */
  actions?: AnalysisAction[];
  /** Analyser name per action (default: DEFAULT_ANALYZERS). */
  analyzers?: Partial<Record<AnalysisAction, string>>;
  /** Analyse every face instead of the chosen one (as verify picks it: see `pick`). */
  all?: boolean;
}
