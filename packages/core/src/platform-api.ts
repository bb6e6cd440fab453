import type * as tf from '@tensorflow/tfjs-core';
import { FaceKitError, isFaceKitError, throwIfAborted } from './errors.js';
import { describeInput } from './pixel-limit.js';
import type { MetricName } from './metrics.js';
import {
  type OptionSchema,
  type OptionsOf,
  type PLATFORM_OPTIONS,
  perCallKeys,
  resolveModelOptions,
  validateOptions,
} from './options.js';
import { type FaceSummary, FacePipeline, type Representation, type VerifyResult } from './pipeline.js';
import type { EmbedderSpec, ModelContext } from './registry.js';
import type { Face } from './types.js';

/**
 * The options every platform API takes: the pipeline's plus what one call needs (derived from PLATFORM_OPTIONS).
 *
 * @example
 * const o: PlatformOptions = { embedder: 'dlib-resnet34', enforceDetection: false, maxPixels: 20_000_000 };
 */
export type PlatformOptions = OptionsOf<typeof PLATFORM_OPTIONS>;

type CallKeys = {
  [K in keyof typeof PLATFORM_OPTIONS]: (typeof PLATFORM_OPTIONS)[K]['scope'] extends 'call' ? K : never;
}[keyof typeof PLATFORM_OPTIONS];

/**
 * Per-call options of a loaded pipeline's methods: the schema's `scope: 'call'` options.
 *
 * @example
 * await pipeline.verify(a, b, { metric: 'cosine', threshold: 0.1 } satisfies PlatformCallOptions<PlatformOptions>);
 */
export type PlatformCallOptions<O extends PlatformOptions> = Pick<O, Exclude<CallKeys, 'all'>>;

/**
 * A verdict plus the tfjs backend it ran on.
 *
 * @example
 * const r: PlatformVerifyResult = await verify(a, b);
 * console.log(r.verified, r.distance, r.backend);
 */
export interface PlatformVerifyResult extends VerifyResult {
  /** The tfjs backend that ran the models ('tensorflow', 'wasm', 'webgl' or 'cpu'). */
  backend: string;
}

/**
 * What a platform (Node, browser) plugs into the shared API: option checks, backend, decoding, model files.
 *
 * @example
 * const api = new PlatformApi({ options: NODE_OPTIONS, ensureBackend, withImages, modelContext });
 */
export interface PlatformBinding<Input, O extends PlatformOptions> {
  /** The platform's options: PLATFORM_OPTIONS plus its own; they validate calls and key the shared pipelines. */
  options: OptionSchema;
  /** Readies the tfjs backend; returns its name. */
  ensureBackend(preference: O['backend'] | undefined): Promise<string>;
  /** Decodes the inputs to image tensors for the duration of `fn`, disposing those it created. */
  withImages<T>(inputs: readonly Input[], options: O, fn: (tensors: tf.Tensor3D[]) => Promise<T>): Promise<T>;
  /** The model context (bundled files, weights) for a pipeline with these options. */
  modelContext(options: O): ModelContext;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/**
 * A loaded pipeline that takes the platform's image inputs. Holds its models until `dispose()`.
 *
 * @example
 * const p = await createPipeline({ embedder: 'faceres' }); // from @facekit/node or @facekit/web
 * const r = await p.verify(a, b); // r.verified, r.distance, r.faces.img1.box
 * p.dispose();
 */
export class PlatformPipeline<Input, O extends PlatformOptions> {
  private disposed = false;

  constructor(
    private readonly api: PlatformApi<Input, O>,
    private readonly inner: FacePipeline,
    /** Options given at creation; per-call options override metric, threshold and the rest. */
    readonly defaults: O,
  ) {}

  /** What the registry knows about this pipeline's embedder (dimension, thresholds, template). */
  get embedder(): EmbedderSpec {
    return this.inner.spec;
  }

  /**
   * The resolved model names and settings: detector, landmarker, align, embedder, metric, minFaceScore, pick, flip,
   * quickLook.
   */
  get options(): FacePipeline['options'] {
    return this.inner.options;
  }

  private async prepare(options: Partial<O> | undefined): Promise<O & { ranOn: string }> {
    if (this.disposed) throw new FaceKitError('E_CONFIG', 'this pipeline has been disposed');
    this.api.validateOptions(options);
    const o = { ...this.defaults, ...options } as O;
    throwIfAborted(o.signal);
    return { ...o, ranOn: await this.api.binding.ensureBackend(o.backend) };
  }

  /**
   * Same person? Embeds the chosen face of each image and compares. `timeMs` covers decoding and inference.
   *
   * @example
   * const { verified, distance, threshold, confidence } = await p.verify(a, b);
   */
  async verify(img1: Input, img2: Input, options?: PlatformCallOptions<O>): Promise<PlatformVerifyResult> {
    const t0 = now();
    const o = await this.prepare(options as Partial<O>);
    return namingInputs([img1, img2], () =>
      this.api.binding.withImages([img1, img2], o, async ([a, b]) => this.verifyTensors(a, b, o, t0)),
    );
  }

  /** verify() on decoded images. */
  async verifyTensors(
    a: tf.Tensor3D,
    b: tf.Tensor3D,
    o: O & { ranOn?: string },
    t0 = now(),
  ): Promise<PlatformVerifyResult> {
    throwIfAborted(o.signal);
    const r = await this.inner.verify(a, b, {
      enforceDetection: o.enforceDetection,
      signal: o.signal,
      metric: o.metric as MetricName | undefined,
      threshold: o.threshold,
    });
    return { ...r, timeMs: now() - t0, backend: o.ranOn ?? (await this.api.binding.ensureBackend(o.backend)) };
  }

  /**
   * The embedding of the chosen face (or of every face with `all: true`).
   *
   * @example
   * const [{ embedding, summary }] = await p.represent(a); // embedding.vector: Float32Array
   */
  async represent(image: Input, options?: PlatformCallOptions<O> & { all?: boolean }): Promise<Representation[]> {
    const o = await this.prepare(options as Partial<O>);
    return this.api.binding.withImages([image], o, async ([t]) => this.representTensor(t, o, options?.all));
  }

  /** represent() on a decoded image. */
  async representTensor(image: tf.Tensor3D, o: O, all?: boolean): Promise<Representation[]> {
    throwIfAborted(o.signal);
    return this.inner.represent(image, { enforceDetection: o.enforceDetection, all, signal: o.signal });
  }

  /**
   * Every face, largest first, with landmarks when a landmarker is configured.
   *
   * @example
   * const faces = await p.detect(image); // faces[0].box, faces[0].five, faces[0].landmarks
   */
  async detect(
    image: Input,
    options?: Pick<PlatformCallOptions<O>, 'signal' | 'maxPixels' | 'backend'>,
  ): Promise<Face[]> {
    const o = await this.prepare(options as Partial<O>);
    return this.api.binding.withImages([image], o, async ([t]) => this.detectTensor(t, o));
  }

  /** detect() on a decoded image. */
  detectTensor(image: tf.Tensor3D, o: Pick<O, 'signal'>): Promise<Face[]> {
    return this.inner.detect(image, o.signal);
  }

  /**
   * The faces the pipeline would embed in a decoded image — the chosen one, or every face with `all` — with
   * landmarks: what the analyse stage works on, so analysis reuses the pipeline's detection and pick.
   */
  chosenFacesTensor(
    image: tf.Tensor3D,
    o: Pick<O, 'signal' | 'enforceDetection'>,
    all?: boolean,
  ): Promise<Array<{ face: Face; summary: FaceSummary }>> {
    throwIfAborted(o.signal);
    return this.inner.facesToEmbed(image, { enforceDetection: o.enforceDetection, all, signal: o.signal });
  }

  /** Frees the models. Calling it twice is harmless; using the pipeline afterwards is an E_CONFIG error. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.api.forget(this);
    this.inner.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

/**
 * What an input was, for messages: a path or URL as given, else its kind and size.
 *
 * @example
 * inputLabel('photos/a.jpg'); // 'photos/a.jpg'
 * inputLabel(new Uint8Array(10)); // 'Uint8Array (10 bytes)'
 */
export function inputLabel(input: unknown): string {
  if (typeof input === 'string') return input.startsWith('data:') ? `${input.slice(0, 30)}…` : input;
  if (input instanceof URL) return input.href;
  if (ArrayBuffer.isView(input)) return `${input.constructor.name} (${input.byteLength} bytes)`;
  if (input instanceof ArrayBuffer) return `ArrayBuffer (${input.byteLength} bytes)`;
  const shape = (input as { shape?: unknown })?.shape;
  if (Array.isArray(shape)) return `tensor [${shape.join(', ')}]`;
  return describeInput(input);
}

/** Runs `f`; an E_NO_FACE that names an input index also names that input (path or kind) in message and details. */
async function namingInputs<T>(inputs: unknown[], f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const details = isFaceKitError(e, 'E_NO_FACE') ? e.details : undefined;
    const index = details?.index;
    if (typeof index !== 'number' || !(index in inputs) || details?.input !== undefined) throw e;
    const err = e as FaceKitError;
    const input = inputLabel(inputs[index]);
    throw new FaceKitError('E_NO_FACE', `${err.message} (${input})`, { details: { ...err.details, input } });
  }
}

/**
 * The platform API (verify / represent / detect / createPipeline / disposeAll) over a platform binding: shared
 * pipelines per model configuration, loaded once (concurrent first calls share one load), failed loads retried.
 *
 * @example
 * const api = new PlatformApi(nodeBinding);
 * const r = await api.verify('a.jpg', 'b.jpg');
 */
export class PlatformApi<Input, O extends PlatformOptions> {
  private readonly live = new Set<PlatformPipeline<Input, O>>();
  private readonly cache = new Map<string, Promise<PlatformPipeline<Input, O>>>();

  private readonly perCall: string[];

  constructor(readonly binding: PlatformBinding<Input, O>) {
    this.perCall = perCallKeys(binding.options);
  }

  /** Checks options against the platform's schema (E_CONFIG / E_UNKNOWN_MODEL / E_INPUT) before any work. */
  validateOptions(options: unknown): asserts options is O | undefined {
    validateOptions(this.binding.options, options);
  }

  /** The model-deciding options with defaults filled in: pipelines are shared per distinct value. */
  modelOptions(options: O): Record<string, unknown> {
    return resolveModelOptions(options as Record<string, unknown>, this.binding.options);
  }

  /** A pipeline that the caller owns and disposes. */
  async createPipeline(options: O = {} as O): Promise<PlatformPipeline<Input, O>> {
    this.validateOptions(options);
    await this.binding.ensureBackend(options.backend);
    const m = this.modelOptions(options);
    const inner = await FacePipeline.create(this.binding.modelContext(options), {
      ...m,
      metric: options.metric,
      threshold: options.threshold,
    });
    const p = new PlatformPipeline(this, inner, { ...options });
    this.live.add(p);
    return p;
  }

  /** The shared pipeline for these options; per-call options (metric, threshold, signal, …) do not split it. */
  cachedPipeline(options: O = {} as O): Promise<PlatformPipeline<Input, O>> {
    this.validateOptions(options);
    const key = JSON.stringify(this.modelOptions(options));
    let entry = this.cache.get(key);
    if (!entry) {
      const modelOnly = Object.fromEntries(
        Object.entries(options).filter(([k]) => !this.perCall.includes(k)),
      ) as unknown as O;
      entry = this.createPipeline({ ...modelOnly, backend: options.backend });
      this.cache.set(key, entry);
      const mine = entry;
      // A failed load is not cached: a later call (e.g. after the weights file appears) tries again.
      entry.catch(() => {
        if (this.cache.get(key) === mine) this.cache.delete(key);
      });
    }
    return entry;
  }

  /** verify() with a shared pipeline. Decodes first, so a bad input fails before any model loads. */
  async verify(img1: Input, img2: Input, options?: O): Promise<PlatformVerifyResult> {
    const { o, ranOn } = await this.prepare(options);
    const t0 = now();
    return namingInputs([img1, img2], () =>
      this.binding.withImages([img1, img2], o, async ([a, b]) => {
        const decodeMs = now() - t0;
        const r = await (await this.cachedPipeline(o)).verifyTensors(a, b, { ...o, ranOn });
        return { ...r, timeMs: r.timeMs + decodeMs }; // model loading is not counted
      }),
    );
  }

  /** represent() with a shared pipeline. */
  async represent(image: Input, options?: O & { all?: boolean }): Promise<Representation[]> {
    const { o } = await this.prepare(options);
    return this.binding.withImages([image], o, async ([t]) => {
      const p = await this.cachedPipeline(o);
      throwIfAborted(o.signal);
      return p.representTensor(t, o, options?.all);
    });
  }

  /** detect() with a shared pipeline. */
  async detect(image: Input, options?: O): Promise<Face[]> {
    const { o } = await this.prepare(options);
    return this.binding.withImages([image], o, async ([t]) => (await this.cachedPipeline(o)).detectTensor(t, o));
  }

  /** Disposes every pipeline created here and empties the cache; do not call it while calls are in flight. */
  disposeAll(): void {
    const pending = [...this.cache.values()];
    this.cache.clear();
    for (const p of [...this.live]) p.dispose();
    this.live.clear();
    // Loads still in flight are disposed when they land.
    for (const entry of pending) entry.then((p) => p.dispose()).catch(() => undefined);
  }

  /** @internal A disposed pipeline leaves the live set. */
  forget(p: PlatformPipeline<Input, O>): void {
    this.live.delete(p);
  }

  private async prepare(options: O | undefined): Promise<{ o: O; ranOn: string }> {
    this.validateOptions(options);
    const o = (options ?? {}) as O;
    throwIfAborted(o.signal);
    return { o, ranOn: await this.binding.ensureBackend(o.backend) };
  }
}
