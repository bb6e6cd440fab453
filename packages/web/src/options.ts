import {
  assertMaxPixels,
  type PipelineOptions,
  type ResolvedModelOptions,
  resolveModelOptions,
  validateCommonOptions,
} from '@facekit/core';
import { type BackendPreference, parseBackend } from './backend.js';

/**
 * Options of the browser API: the core pipeline options plus what a call needs. The same names as `@facekit/node`
 * (less `weightsPath`, plus `modelsBaseUrl`).
 *
 * @example
 * await verify(imgA, imgB, { embedder: 'faceres', backend: 'webgl' });
 */
export interface WebOptions extends PipelineOptions {
  /** Throw E_NO_FACE when an image has no face (default true); when false the whole image is used. */
  enforceDetection?: boolean;
  /** Cancels the call between stages (E_ABORTED). */
  signal?: AbortSignal;
  /** tfjs backend (default `auto`: wasm, else webgl). */
  backend?: BackendPreference;
  /** Largest image in pixels (default 50 MP). */
  maxPixels?: number;
  /** Where this pipeline's model files are hosted (default `env.modelsBaseUrl`). */
  modelsBaseUrl?: string;
}

/** Checks every option before any work starts, so a typo fails fast with E_CONFIG / E_UNKNOWN_MODEL. */
export function validateOptions(options: unknown): asserts options is WebOptions {
  validateCommonOptions(options, ['modelsBaseUrl'], ['modelsBaseUrl']);
  if (options === undefined) return;
  const o = options as Record<string, unknown>;
  if (o.backend !== undefined) parseBackend(o.backend);
  if (o.maxPixels !== undefined) assertMaxPixels(o.maxPixels);
}

/** The options that decide which models a pipeline holds, with defaults filled in (the cache key). */
export function modelOptions(o: WebOptions): ResolvedModelOptions & { modelsBaseUrl?: string } {
  return { ...resolveModelOptions(o), modelsBaseUrl: o.modelsBaseUrl };
}
