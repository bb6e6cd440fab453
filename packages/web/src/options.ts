import {
  nonEmptyString,
  type OptionSchema,
  type OptionsOf,
  PLATFORM_OPTIONS,
  validateOptions as validate,
} from '@facekit/core';
import { BACKENDS, type BackendPreference, parseBackend } from './backend.js';

/**
 * The options of the browser API: core's PLATFORM_OPTIONS with the browser's backends and where model files are
 * hosted. Every type, check and default of `WebOptions` comes from here.
 *
 * @example
 * Object.keys(WEB_OPTIONS).includes('modelsBaseUrl'); // true
 */
export const WEB_OPTIONS = {
  ...PLATFORM_OPTIONS,
  /** tfjs backend (default `auto`: wasm, else webgl). */
  backend: {
    doc: `tfjs backend: ${BACKENDS.join(', ')}`,
    scope: 'call',
    check: (value: unknown, name: string): BackendPreference => {
      parseBackend(value, name);
      return value as BackendPreference;
    },
  },
  /** Where this pipeline's model files are hosted (default `env.modelsBaseUrl`). */
  modelsBaseUrl: { doc: 'where the model files are hosted', scope: 'model', check: nonEmptyString },
} satisfies OptionSchema;

/**
 * Options of the browser API: the same names as `@facekit/node` (less `weightsPath`, plus `modelsBaseUrl`), derived
 * from WEB_OPTIONS.
 *
 * @example
 * await verify(imgA, imgB, { embedder: 'faceres', backend: 'webgl' });
 */
export type WebOptions = OptionsOf<typeof WEB_OPTIONS>;

/** Checks every option before any work starts, so a typo fails fast with E_CONFIG / E_UNKNOWN_MODEL. */
export function validateOptions(options: unknown): asserts options is WebOptions | undefined {
  validate(WEB_OPTIONS, options);
}
