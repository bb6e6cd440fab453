import { FaceKitError } from './errors.js';
import { assertMetric } from './metrics.js';
import { models } from './registry.js';

/**
 * Which face of an image with several to use: the largest, or the one nearest the centre (weighted by size).
 *
 * @example
 * const pick: FacePick = 'central'; // LFW images are centred on their subject
 */
export type FacePick = 'largest' | 'central';

/**
 * The embedder used when none is named. Chosen by LFW View 1 DevTest accuracy (see README).
 *
 * @example
 * const p = await FacePipeline.create(ctx, { embedder: DEFAULT_EMBEDDER });
 */
export const DEFAULT_EMBEDDER = 'dlib-resnet34';

/**
 * The option names every platform's verify / represent / detect accept (platforms add their own).
 *
 * @example
 * COMMON_OPTION_KEYS.includes('threshold'); // true
 */
export const COMMON_OPTION_KEYS: readonly string[] = [
  'detector',
  'landmarker',
  'align',
  'embedder',
  'metric',
  'threshold',
  'minFaceScore',
  'pick',
  'flip',
  'quickLook',
  'enforceDetection',
  'signal',
  'backend',
  'maxPixels',
  'all',
];

function optionalString(o: Record<string, unknown>, key: string): void {
  if (o[key] !== undefined && (typeof o[key] !== 'string' || o[key] === '')) {
    throw new FaceKitError('E_CONFIG', `option '${key}' must be a non-empty string, got ${String(o[key])}`);
  }
}

/**
 * Checks a platform API's options object before any work starts — unknown keys, model names (looked up in the
 * registry), ranges and types — so a typo fails fast with E_CONFIG / E_UNKNOWN_MODEL instead of after decoding and
 * loading. `extraKeys` are the platform's own options; their values are the platform's to check, except the string
 * keys listed in `extraStrings`.
 *
 * @example
 * validateCommonOptions(options, ['weightsPath'], ['weightsPath']);
 */
export function validateCommonOptions(
  options: unknown,
  extraKeys: readonly string[] = [],
  extraStrings: readonly string[] = [],
): asserts options is Record<string, unknown> | undefined {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new FaceKitError('E_INPUT', 'options must be an object');
  }
  const o = options as Record<string, unknown>;
  const known = new Set([...COMMON_OPTION_KEYS, ...extraKeys]);
  for (const key of Object.keys(o)) {
    if (!known.has(key)) throw new FaceKitError('E_CONFIG', `unknown option '${key}'`);
  }
  for (const key of ['detector', 'landmarker', 'align', 'embedder', ...extraStrings]) optionalString(o, key);
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
  for (const key of ['enforceDetection', 'all', 'flip', 'quickLook']) {
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
}

/**
 * The options that decide which models a pipeline holds, with defaults filled in (part of a pipeline cache key).
 *
 * @example
 * const resolved: ResolvedModelOptions = resolveModelOptions({ embedder: 'facenet512', pick: 'central' });
 */
export interface ResolvedModelOptions {
  detector: string;
  landmarker: string;
  align: string;
  embedder: string;
  minFaceScore: number;
  pick: FacePick;
  flip: boolean;
  quickLook: boolean;
}

/**
 * Fills in the defaults of the model-deciding options.
 *
 * @example
 * resolveModelOptions({ embedder: 'facenet' }).detector; // 'blazeface'
 */
export function resolveModelOptions(o: {
  detector?: string;
  landmarker?: string;
  align?: string;
  embedder?: string;
  minFaceScore?: number;
  pick?: FacePick;
  flip?: boolean;
  quickLook?: boolean;
}): ResolvedModelOptions {
  return {
    detector: o.detector ?? 'blazeface',
    landmarker: o.landmarker ?? 'facemesh',
    align: o.align ?? '2d',
    embedder: o.embedder ?? DEFAULT_EMBEDDER,
    minFaceScore: o.minFaceScore ?? 0.5,
    pick: o.pick ?? 'largest',
    flip: o.flip ?? true,
    quickLook: o.quickLook ?? true,
  };
}
