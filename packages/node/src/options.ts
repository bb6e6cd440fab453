import {
  nonEmptyString,
  type OptionSchema,
  type OptionsOf,
  PLATFORM_OPTIONS,
  type ResolvedOptionsOf,
  resolveModelOptions,
  validateOptions as validate,
} from '@facekit/core';
import { BACKENDS, type BackendPreference, parseBackend } from './backend.js';

/**
 * The options of the Node API: core's PLATFORM_OPTIONS with Node's backends and an explicit weights file. Every
 * type, check, default and CLI flag of `NodeOptions` comes from here.
 *
 * @example
 * NODE_OPTIONS.weightsPath.cli.flag; // '--weights <path>'
 */
export const NODE_OPTIONS = {
  ...PLATFORM_OPTIONS,
  /** tfjs backend (default: FACEKIT_BACKEND, else `auto`). */
  backend: {
    doc: 'tfjs backend',
    scope: 'call',
    check: (value: unknown, name: string): BackendPreference => {
      parseBackend(value, name);
      return value as BackendPreference;
    },
    cli: {
      flag: '--backend <name>',
      value: 'string',
      group: 'pipeline',
      help: `tfjs backend: ${BACKENDS.join(', ')} (default: FACEKIT_BACKEND, else auto)`,
    },
  },
  /** An explicit weights file for an embedder whose weights are not bundled (Keras h5). */
  weightsPath: {
    doc: 'weights file for an embedder whose weights are not bundled (Keras .h5)',
    scope: 'model',
    check: nonEmptyString,
    cli: { flag: '--weights <path>', value: 'string', group: 'pipeline' },
  },
} satisfies OptionSchema;

/**
 * Options of the Node API: the core pipeline options plus what a call needs (derived from NODE_OPTIONS).
 *
 * @example
 * await verify('a.jpg', 'b.jpg', { embedder: 'faceres', metric: 'cosine', enforceDetection: false });
 */
export type NodeOptions = OptionsOf<typeof NODE_OPTIONS>;

/**
 * Checks every option before any work starts (models named are looked up in the registry, numbers are in range),
 * so a typo fails fast with E_CONFIG / E_UNKNOWN_MODEL instead of after decoding and loading.
 */
export function validateOptions(options: unknown): asserts options is NodeOptions | undefined {
  validate(NODE_OPTIONS, options);
}

/** The options that decide which models a pipeline holds, with defaults filled in (the cache key). */
export function modelOptions(o: NodeOptions): ResolvedOptionsOf<typeof NODE_OPTIONS> {
  return resolveModelOptions(o, NODE_OPTIONS);
}
