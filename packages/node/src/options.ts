import {
  assertMaxPixels,
  type PipelineOptions,
  type ResolvedModelOptions,
  resolveModelOptions,
  validateCommonOptions,
} from '@facekit/core';
import { type BackendPreference, parseBackend } from './backend.js';

/**
 * Options of the Node API: the core pipeline options plus what a call needs.
 *
 * @example
 * await verify('a.jpg', 'b.jpg', { embedder: 'faceres', metric: 'cosine', enforceDetection: false });
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

/**
 * Checks every option before any work starts (models named are looked up in the registry, numbers are in range),
 * so a typo fails fast with E_CONFIG / E_UNKNOWN_MODEL instead of after decoding and loading.
 */
export function validateOptions(options: unknown): asserts options is NodeOptions {
  validateCommonOptions(options, ['weightsPath'], ['weightsPath']);
  if (options === undefined) return;
  const o = options as Record<string, unknown>;
  if (o.backend !== undefined) parseBackend(o.backend);
  if (o.maxPixels !== undefined) assertMaxPixels(o.maxPixels);
}

/** The options that decide which models a pipeline holds, with defaults filled in (the cache key). */
export function modelOptions(o: NodeOptions): ResolvedModelOptions & { weightsPath?: string } {
  return { ...resolveModelOptions(o), weightsPath: o.weightsPath };
}
