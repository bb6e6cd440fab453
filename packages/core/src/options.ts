// Every option of the API is defined here once: its name, type (the return type of `check`), default, validation,
// one-line doc, whether it decides a pipeline's models, and its CLI flag. The TypeScript option types, the
// validators, the per-call keys, the defaults and the CLI flags are all derived from these schemas, so adding an
// option touches its schema entry and the code that uses it (see docs/guide/architecture.md).
import { FaceKitError } from './errors.js';
import { assertMetric, type MetricName } from './metrics.js';
import { assertMaxPixels } from './pixel-limit.js';
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
 * How an option appears on the command line. `flag` is commander's syntax (`--name <value>` for a value,
 * `--no-name` for a default-true boolean); `value` says how the flag's text becomes the option's value; `group`
 * says which commands take it: 'pipeline' (every command that runs the models), 'face' (the single-image commands),
 * 'verdict' (the commands that compare).
 *
 * @example
 * const flag: OptionFlag = { flag: '--min-face-score <x>', value: 'number', group: 'face' };
 */
export interface OptionFlag {
  flag: `--${string}`;
  value: 'string' | 'number' | 'negate';
  group: 'pipeline' | 'face' | 'verdict';
  /** Help text when it differs from the option's doc (e.g. it names the flag's values). */
  help?: string;
}

/**
 * One option: `check` validates a value (throwing E_CONFIG / E_UNKNOWN_MODEL) and its return type is the option's
 * type. `scope: 'model'` options decide which models a pipeline holds (they key the shared pipelines); 'call' ones
 * are per call.
 *
 * @example
 * const minFaceScore: OptionSpec<number> = { doc: 'minimum detector score', scope: 'model', default: 0.5, check: unitNumber };
 */
export interface OptionSpec<T> {
  /** One line: the API's doc and the CLI's help. */
  doc: string;
  scope: 'model' | 'call';
  default?: T;
  check(value: unknown, name: string): T;
  cli?: OptionFlag;
}

/**
 * A set of options by name.
 *
 * @example
 * const schema: OptionSchema = PLATFORM_OPTIONS;
 */
// biome-ignore lint/suspicious/noExplicitAny: a schema holds options of every type
export type OptionSchema = Record<string, OptionSpec<any>>;

/**
 * The value type of one option of a schema.
 *
 * @example
 * const pick: OptionValue<(typeof PIPELINE_OPTIONS)['pick']> = 'central';
 */
export type OptionValue<S> = S extends { check(value: unknown, name: string): infer T } ? T : never;

/**
 * The options object a schema describes: every option optional, typed by its `check`.
 *
 * @example
 * type NodeOptions = OptionsOf<typeof NODE_OPTIONS>;
 */
export type OptionsOf<S> = { -readonly [K in keyof S]?: OptionValue<S[K]> };

/** `--min-face-score <x>` → `minFaceScore`: the attribute commander stores a flag's value under. */
type Camel<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<Camel<B>>}` : S;
type FlagName<F> = F extends `--no-${infer N}`
  ? FlagName<`--${N}`>
  : F extends `--${infer N} ${string}`
    ? Camel<N>
    : F extends `--${infer N}`
      ? Camel<N>
      : never;

/**
 * What commander parses a schema's flags into: each flag's attribute, a string (or a boolean for a `--no-` flag).
 *
 * @example
 * const flags: FlagsOf<typeof NODE_OPTIONS> = { minFaceScore: '0.7', flip: false, weights: 'x.h5' };
 */
export type FlagsOf<S> = {
  [K in keyof S as S[K] extends { cli: { flag: infer F } } ? FlagName<F> : never]?: S[K] extends {
    cli: { value: 'negate' };
  }
    ? boolean
    : string;
};

type ModelKeys<S> = { [K in keyof S]: S[K] extends { scope: 'model' } ? K : never }[keyof S];

/**
 * The model-deciding options of a schema with defaults filled in (those without a default stay optional).
 *
 * @example
 * const m: ResolvedOptionsOf<typeof PIPELINE_OPTIONS> = resolveModelOptions({});
 */
export type ResolvedOptionsOf<S> = {
  -readonly [K in ModelKeys<S>]: S[K] extends { default: unknown } ? OptionValue<S[K]> : OptionValue<S[K]> | undefined;
};

/**
 * The check of a string option: a non-empty string, else E_CONFIG naming the option.
 *
 * @example
 * const weightsPath = { doc: 'weights file', scope: 'model', check: nonEmptyString } satisfies OptionSpec<string>;
 */
export function nonEmptyString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new FaceKitError('E_CONFIG', `option '${name}' must be a non-empty string, got ${String(value)}`);
  }
  return value;
}

function boolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean')
    throw new FaceKitError('E_CONFIG', `option '${name}' must be true or false, got ${String(value)}`);
  return value;
}

/** A model name looked up in its registry: an unknown one is E_UNKNOWN_MODEL before anything loads. */
function modelName(kind: 'detectors' | 'landmarkers' | 'aligners' | 'embedders', allowed?: string) {
  return (value: unknown, name: string): string => {
    const s = nonEmptyString(value, name);
    if (s !== allowed) models[kind].get(s);
    return s;
  };
}

/**
 * The options of a pipeline (core's `FacePipeline`): which models, how a face is chosen and compared.
 *
 * @example
 * PIPELINE_OPTIONS.detector.default; // 'blazeface'
 */
export const PIPELINE_OPTIONS = {
  /** Embedder name (default: DEFAULT_EMBEDDER). */
  embedder: {
    doc: 'embedder',
    scope: 'model',
    default: DEFAULT_EMBEDDER,
    check: modelName('embedders'),
    cli: { flag: '--embedder <name>', value: 'string', group: 'pipeline', help: 'embedder (see `facekit models`)' },
  },
  /** Detector name (default 'blazeface'). */
  detector: {
    doc: 'face detector',
    scope: 'model',
    default: 'blazeface',
    check: modelName('detectors'),
    cli: { flag: '--detector <name>', value: 'string', group: 'pipeline' },
  },
  /** Landmarker name, or 'none' to align on the detector's keypoints (default 'facemesh'). */
  landmarker: {
    doc: "landmarker, or 'none' to align on the detector's keypoints",
    scope: 'model',
    default: 'facemesh',
    check: modelName('landmarkers', 'none'),
    cli: { flag: '--landmarker <name>', value: 'string', group: 'pipeline' },
  },
  /** Aligner name: '2d' (similarity onto the embedder's template), '3d' (frontalisation) or 'none' (box crop). */
  align: {
    doc: 'aligner',
    scope: 'model',
    default: '2d',
    check: modelName('aligners'),
    cli: {
      flag: '--align <mode>',
      value: 'string',
      group: 'pipeline',
      help: "aligner: '2d', '3d', '3d-dense', 'mesh' or 'none' (see `facekit models`)",
    },
  },
  /** Distance metric (default: the embedder's). */
  metric: {
    doc: 'distance metric',
    scope: 'call',
    check: (value: unknown, name: string): MetricName => {
      const s = nonEmptyString(value, name);
      assertMetric(s);
      return s;
    },
    cli: {
      flag: '--metric <name>',
      value: 'string',
      group: 'verdict',
      help: 'cosine, euclidean, euclidean-l2 or squared-l2 (default: the embedder’s)',
    },
  },
  /** Overrides the embedder's default threshold for the metric. */
  threshold: {
    doc: 'decision threshold (default: the embedder’s for the metric)',
    scope: 'call',
    check: (value: unknown): number => {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new FaceKitError('E_CONFIG', `threshold must be a finite number ≥ 0, got ${String(value)}`);
      }
      return value;
    },
    cli: { flag: '--threshold <x>', value: 'number', group: 'verdict' },
  },
  /** Minimum detector score (default 0.5). */
  minFaceScore: {
    doc: 'minimum detector score in [0, 1]',
    scope: 'model',
    default: 0.5,
    check: (value: unknown): number => {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
        throw new FaceKitError('E_CONFIG', `minFaceScore must be a number in [0, 1], got ${String(value)}`);
      }
      return value;
    },
    cli: { flag: '--min-face-score <x>', value: 'number', group: 'face' },
  },
  /**
   * Which face to embed when an image holds several: 'largest' (default) or 'central' — the largest after weighting
   * each box's area by its closeness to the image centre, for photos framed on their subject (LFW, ID photos).
   */
  pick: {
    doc: 'which face when an image holds several',
    scope: 'model',
    default: 'largest',
    check: (value: unknown): FacePick => {
      if (value !== 'largest' && value !== 'central') {
        throw new FaceKitError('E_CONFIG', `pick must be 'largest' or 'central', got ${String(value)}`);
      }
      return value;
    },
    cli: {
      flag: '--pick <rule>',
      value: 'string',
      group: 'face',
      help: "which face when an image holds several: 'largest' (default) or 'central' (largest, weighted by closeness to the centre)",
    },
  },
  /**
   * Test-time flip augmentation (default true): each aligned face is embedded together with its mirror image and
   * the two vectors are averaged (renormalised for embedders with unit outputs). Costs one more embedding per face;
   * on LFW View 1 it raised the ROC AUC of every alignment variant tried (README, "How the defaults were chosen").
   */
  flip: {
    doc: 'average each embedding with that of the mirror image',
    scope: 'model',
    default: true,
    check: boolean,
    cli: {
      flag: '--no-flip',
      value: 'negate',
      group: 'pipeline',
      help: 'embed each face once, without averaging in its mirror image (faster, slightly less accurate)',
    },
  },
  /**
   * When one face is wanted, let the detector answer from a quick low-resolution look that shows a large face
   * (default true; BlazeFace: one 160² look for portraits instead of 256² and more). false: the full look every
   * time, so `faceCount` also counts small bystanders beside a large face, for ~10 ms more per image.
   */
  quickLook: {
    doc: 'let the detector answer from a quick look when one face is wanted',
    scope: 'model',
    default: true,
    check: boolean,
    cli: {
      flag: '--no-quick-look',
      value: 'negate',
      group: 'pipeline',
      help: "always the detector's full look: faceCount then counts small bystanders too",
    },
  },
} satisfies OptionSchema;

/**
 * The options of every platform API (verify / represent / detect / analyze / createPipeline): the pipeline's plus
 * what one call needs. Platforms (node, web) spread it and add or narrow their own (backend, weightsPath, …).
 *
 * @example
 * Object.keys(PLATFORM_OPTIONS).includes('enforceDetection'); // true
 */
export const PLATFORM_OPTIONS = {
  ...PIPELINE_OPTIONS,
  /** Throw E_NO_FACE when an image has no face (default true); when false the whole image is used. */
  enforceDetection: {
    doc: 'throw E_NO_FACE when an image has no face (false: use the whole image)',
    scope: 'call',
    default: true,
    check: boolean,
    cli: {
      flag: '--no-enforce-detection',
      value: 'negate',
      group: 'face',
      help: 'use the whole image when no face is found instead of failing',
    },
  },
  /** Cancels the call between stages (E_ABORTED). */
  signal: {
    doc: 'cancels the call between stages (E_ABORTED)',
    scope: 'call',
    check: (value: unknown): AbortSignal => {
      if (!(value instanceof AbortSignal)) throw new FaceKitError('E_CONFIG', 'option signal must be an AbortSignal');
      return value;
    },
  },
  /** tfjs backend preference (platform-specific names). */
  backend: { doc: 'tfjs backend', scope: 'call', check: nonEmptyString },
  /** Largest image in pixels, checked before decoding (default 50 MP). */
  maxPixels: {
    doc: 'largest image in pixels',
    scope: 'call',
    check: (value: unknown): number => {
      assertMaxPixels(value);
      return value;
    },
    cli: {
      flag: '--max-pixels <n>',
      value: 'number',
      group: 'face',
      help: 'refuse images with more pixels (default 50000000)',
    },
  },
  /** represent / analyze: every face instead of the chosen one. */
  all: { doc: 'every face instead of the chosen one', scope: 'call', check: boolean },
} satisfies OptionSchema;

/**
 * Checks an options object against a schema before any work starts — unknown keys, model names (looked up in the
 * registry), ranges and types — so a typo fails fast with E_CONFIG / E_UNKNOWN_MODEL instead of after decoding and
 * loading. `undefined` values are allowed (the default applies).
 *
 * @example
 * validateOptions(PLATFORM_OPTIONS, { embedder: 'facenet', threshold: 0.4 });
 */
export function validateOptions<S extends OptionSchema>(
  schema: S,
  options: unknown,
): asserts options is OptionsOf<S> | undefined {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new FaceKitError('E_INPUT', 'options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(schema, key)) throw new FaceKitError('E_CONFIG', `unknown option '${key}'`);
  }
  checkValues(schema, options);
}

/**
 * Checks the values of the schema's options present in `options` (other keys are left alone: a caller that passes
 * a wider object, e.g. a platform's options to the core pipeline).
 *
 * @example
 * checkValues(PIPELINE_OPTIONS, { pick: 'central', weightsPath: 'x.h5' }); // weightsPath is not the pipeline's
 */
export function checkValues(schema: OptionSchema, options: object): void {
  const o = options as Record<string, unknown>;
  for (const [key, spec] of Object.entries(schema)) if (o[key] !== undefined) spec.check(o[key], key);
}

/**
 * The model-deciding options with defaults filled in: pipelines are shared per distinct value (a cache key).
 *
 * @example
 * resolveModelOptions({ embedder: 'facenet' }).detector; // 'blazeface'
 */
export function resolveModelOptions<S extends OptionSchema = typeof PIPELINE_OPTIONS>(
  o: OptionsOf<NoInfer<S>>,
  schema: S = PIPELINE_OPTIONS as unknown as S,
): ResolvedOptionsOf<S> {
  const out: Record<string, unknown> = {};
  const given = o as Record<string, unknown>;
  for (const [key, spec] of Object.entries(schema)) {
    if (spec.scope === 'model') out[key] = given[key] ?? spec.default;
  }
  return out as ResolvedOptionsOf<S>;
}

/**
 * The options that decide which models a pipeline holds, with defaults filled in (part of a pipeline cache key).
 *
 * @example
 * const resolved: ResolvedModelOptions = resolveModelOptions({ embedder: 'facenet512', pick: 'central' });
 */
export type ResolvedModelOptions = ResolvedOptionsOf<typeof PIPELINE_OPTIONS>;

/**
 * The per-call option names of a schema: they never decide which models a shared pipeline holds.
 *
 * @example
 * perCallKeys(PLATFORM_OPTIONS); // ['metric', 'threshold', 'enforceDetection', 'signal', 'backend', 'maxPixels', 'all']
 */
export function perCallKeys(schema: OptionSchema): string[] {
  return Object.entries(schema)
    .filter(([, spec]) => spec.scope === 'call')
    .map(([key]) => key);
}
