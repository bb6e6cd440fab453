import { assertMetric, DEFAULT_EMBEDDER, FaceKitError, type PipelineOptions, models } from '@facekit/core';
import { type BackendPreference, parseBackend } from './backend.js';
import { assertMaxPixels } from './decode.js';

/**
 * Options of the Node API: the core pipeline options plus what a call needs.
 *
 * @example
 * await verify('a.jpg', 'b.jpg', { embedder: 'mobilefacenet', metric: 'cosine', enforceDetection: false });
 */
export interface NodeOptions extends PipelineOptions {
  /** Throw E_NO_FACE when an image has no face (default true); when false the whole image is used. */
  enforceDetection?: boolean;
  /** Cancels the call between stages (E_ABORTED). */
  signal?: AbortSignal;
  /** An explicit weights file for an embedder whose weights are not bundled (Keras h5). */
  weightsPath?: string;
  /** tfjs backend (default: FACEKIT_BACKEND, else `auto`). */
  backend?: BackendPreference;
  /** Largest image in pixels, checked before decoding (default 50 MP). */
  maxPixels?: number;
}

const KEYS = new Set<string>([
  'detector',
  'landmarker',
  'align',
  'embedder',
  'metric',
  'threshold',
  'minFaceScore',
  'pick',
  'flip',
  'enforceDetection',
  'signal',
  'weightsPath',
  'backend',
  'maxPixels',
  'all',
]);

function optionalString(o: Record<string, unknown>, key: string): void {
  if (o[key] !== undefined && (typeof o[key] !== 'string' || o[key] === '')) {
    throw new FaceKitError('E_CONFIG', `option '${key}' must be a non-empty string, got ${String(o[key])}`);
  }
}

/**
 * Checks every option before any work starts (models named are looked up in the registry, numbers are in range),
 * so a typo fails fast with E_CONFIG / E_UNKNOWN_MODEL instead of after decoding and loading.
 */
export function validateOptions(options: unknown): asserts options is NodeOptions {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new FaceKitError('E_INPUT', 'options must be an object');
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KEYS.has(key)) throw new FaceKitError('E_CONFIG', `unknown option '${key}'`);
  }
  for (const key of ['detector', 'landmarker', 'align', 'embedder', 'weightsPath']) optionalString(o, key);
  if (o.detector !== undefined) models.detectors.get(o.detector as string);
  if (o.landmarker !== undefined && o.landmarker !== 'none') models.landmarkers.get(o.landmarker as string);
  if (o.align !== undefined) models.aligners.get(o.align as string);
  if (o.embedder !== undefined) models.embedders.get(o.embedder as string);
  if (o.metric !== undefined) assertMetric(o.metric as string);
  if (o.threshold !== undefined) {
    const t = o.threshold;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
      throw new FaceKitError('E_CONFIG', `threshold must be a finite number ≥ 0, got ${String(t)}`);
    }
  }
  if (o.minFaceScore !== undefined) {
    const s = o.minFaceScore;
    if (typeof s !== 'number' || !(s >= 0 && s <= 1)) {
      throw new FaceKitError('E_CONFIG', `minFaceScore must be a number in [0, 1], got ${String(s)}`);
    }
  }
  for (const key of ['enforceDetection', 'all', 'flip']) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') {
      throw new FaceKitError('E_CONFIG', `option '${key}' must be true or false, got ${String(o[key])}`);
    }
  }
  if (o.pick !== undefined && o.pick !== 'largest' && o.pick !== 'central') {
    throw new FaceKitError('E_CONFIG', `pick must be 'largest' or 'central', got ${String(o.pick)}`);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new FaceKitError('E_CONFIG', 'option signal must be an AbortSignal');
  }
  if (o.backend !== undefined) parseBackend(o.backend);
  if (o.maxPixels !== undefined) assertMaxPixels(o.maxPixels);
}

/** The options that decide which models a pipeline holds, with defaults filled in (the cache key). */
export function modelOptions(o: NodeOptions): Required<Pick<NodeOptions, 'detector' | 'landmarker' | 'align'>> & {
  embedder: string;
  minFaceScore: number;
  pick: 'largest' | 'central';
  flip: boolean;
  weightsPath?: string;
} {
  return {
    detector: o.detector ?? 'blazeface',
    landmarker: o.landmarker ?? 'facemesh',
    align: o.align ?? '2d',
    embedder: o.embedder ?? DEFAULT_EMBEDDER,
    minFaceScore: o.minFaceScore ?? 0.5,
    pick: o.pick ?? 'largest',
    flip: o.flip ?? true,
    weightsPath: o.weightsPath,
  };
}
