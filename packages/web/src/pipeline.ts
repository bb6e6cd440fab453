import {
  type EmbedderSpec,
  type Face,
  FaceKitError,
  FacePipeline,
  type MetricName,
  type Representation,
  throwIfAborted,
  type VerifyResult,
} from '@facekit/core';
import { ensureBackend } from './backend.js';
import { type ImageInput, withImages } from './decode.js';
import { webModelContext } from './model-context.js';
import { modelOptions, validateOptions, type WebOptions } from './options.js';

/** A verdict as the browser API returns it: core's VerifyResult plus the tfjs backend it ran on. */
export interface WebVerifyResult extends VerifyResult {
  /** The tfjs backend that ran the models ('wasm' or 'webgl'). */
  backend: string;
}

/** Per-call options of a pipeline's methods. */
export type CallOptions = Pick<
  WebOptions,
  'enforceDetection' | 'signal' | 'metric' | 'threshold' | 'maxPixels' | 'backend'
>;

/**
 * A loaded pipeline that takes DOM images, bytes or tensors. Holds its models until `dispose()`.
 *
 * @example
 * const p = await createPipeline({ embedder: 'mobilefacenet' });
 * const r = await p.verify(imgElement, file); // r.verified, r.distance, r.faces.img1.box
 * p.dispose();
 */
export class WebPipeline {
  private disposed = false;

  constructor(
    private readonly inner: FacePipeline,
    /** Options given at creation; per-call options override metric, threshold and the rest. */
    readonly defaults: WebOptions = {},
  ) {}

  get embedder(): EmbedderSpec {
    return this.inner.spec;
  }

  get options(): FacePipeline['options'] {
    return this.inner.options;
  }

  private async prepare(options: CallOptions | undefined): Promise<WebOptions & { ranOn: string }> {
    if (this.disposed) throw new FaceKitError('E_CONFIG', 'this pipeline has been disposed');
    validateOptions(options);
    const o = { ...this.defaults, ...options };
    throwIfAborted(o.signal);
    return { ...o, ranOn: await ensureBackend(o.backend) };
  }

  /**
   * Same person? Embeds the largest face of each image and compares. `timeMs` covers decoding and inference.
   *
   * @example
   * const { verified, distance, threshold } = await p.verify(fileA, canvasB);
   */
  async verify(img1: ImageInput, img2: ImageInput, options?: CallOptions): Promise<WebVerifyResult> {
    const t0 = performance.now();
    const o = await this.prepare(options);
    return withImages([img1, img2], o, async ([a, b]) => {
      throwIfAborted(o.signal);
      const r = await this.inner.verify(a, b, {
        enforceDetection: o.enforceDetection,
        signal: o.signal,
        metric: o.metric as MetricName | undefined,
        threshold: o.threshold,
      });
      return { ...r, timeMs: performance.now() - t0, backend: o.ranOn };
    });
  }

  /** The embedding of the largest face (or of every face with `all: true`). */
  async represent(image: ImageInput, options?: CallOptions & { all?: boolean }): Promise<Representation[]> {
    const o = await this.prepare(options);
    return withImages([image], o, async ([t]) => {
      throwIfAborted(o.signal);
      return this.inner.represent(t, { enforceDetection: o.enforceDetection, all: options?.all, signal: o.signal });
    });
  }

  /** Every face, largest first, with the five alignment points and 68 landmarks. */
  async detect(image: ImageInput, options?: Pick<CallOptions, 'signal' | 'maxPixels' | 'backend'>): Promise<Face[]> {
    const o = await this.prepare(options);
    return withImages([image], o, async ([t]) => this.inner.detect(t, o.signal));
  }

  /** Frees the models. Calling it twice is harmless; using the pipeline afterwards is an E_CONFIG error. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    live.delete(this);
    this.inner.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

const live = new Set<WebPipeline>();

async function load(options: WebOptions): Promise<WebPipeline> {
  validateOptions(options);
  await ensureBackend(options.backend);
  const m = modelOptions(options);
  const inner = await FacePipeline.create(webModelContext({ modelsBaseUrl: m.modelsBaseUrl }), {
    detector: m.detector,
    landmarker: m.landmarker,
    align: m.align,
    embedder: m.embedder,
    minFaceScore: m.minFaceScore,
    pick: m.pick,
    flip: m.flip,
    metric: options.metric,
    threshold: options.threshold,
  });
  const p = new WebPipeline(inner, options);
  live.add(p);
  return p;
}

/**
 * Loads a pipeline that you own: reuse it for many calls (a webcam loop) and `dispose()` it when done.
 *
 * @example
 * const p = await createPipeline({ backend: 'webgl' });
 * try { console.log(await p.verify(a, b)); } finally { p.dispose(); }
 */
export async function createPipeline(options: WebOptions = {}): Promise<WebPipeline> {
  return load({ ...options });
}

/** Model options → the shared pipeline (a promise, so concurrent first calls share one load). */
const cache = new Map<string, Promise<WebPipeline>>();

/** The shared pipeline for these options; per-call options (metric, threshold, signal, …) do not split it. */
export function cachedPipeline(options: WebOptions = {}): Promise<WebPipeline> {
  validateOptions(options);
  const m = modelOptions(options);
  const key = JSON.stringify(m);
  let entry = cache.get(key);
  if (!entry) {
    const {
      metric: _m,
      threshold: _t,
      signal: _s,
      enforceDetection: _e,
      maxPixels: _p,
      backend: _b,
      all: _a,
      ...modelOnly
    } = options as WebOptions & { all?: boolean };
    entry = load(modelOnly);
    cache.set(key, entry);
    const mine = entry;
    entry.catch(() => {
      if (cache.get(key) === mine) cache.delete(key); // a failed load (e.g. 404) is retried next time
    });
  }
  return entry;
}

/**
 * Disposes every pipeline facekit created and empties the cache; the next call loads models again (from the
 * Cache API, not the network). Do not call it while calls are in flight.
 */
export function disposeAll(): void {
  const pending = [...cache.values()];
  cache.clear();
  for (const p of live) p.dispose();
  live.clear();
  for (const entry of pending) entry.then((p) => p.dispose()).catch(() => undefined);
}
