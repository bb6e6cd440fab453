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
import { nodeModelContext } from './model-context.js';
import { modelOptions, type NodeOptions, validateOptions } from './options.js';

/**
 * A verdict as the Node API returns it: core's VerifyResult plus the tfjs backend it ran on.
 *
 * @example
 * const r: NodeVerifyResult = await verify('a.jpg', 'b.jpg');
 * r.backend; // 'wasm'
 */
export interface NodeVerifyResult extends VerifyResult {
  /** The tfjs backend that ran the models ('tensorflow', 'wasm' or 'cpu'). */
  backend: string;
}

/**
 * Per-call options of a pipeline's methods.
 *
 * @example
 * const p = await createPipeline();
 * await p.verify('a.jpg', 'b.jpg', { metric: 'cosine', enforceDetection: false } satisfies CallOptions);
 */
export type CallOptions = Pick<
  NodeOptions,
  'enforceDetection' | 'signal' | 'metric' | 'threshold' | 'maxPixels' | 'backend'
>;

function now(): number {
  return performance.now();
}

/**
 * A loaded pipeline that takes files, bytes or tensors. Holds its models until `dispose()`.
 *
 * @example
 * const p = await createPipeline({ embedder: 'mobilefacenet' });
 * const r = await p.verify('a.jpg', 'b.jpg'); // r.verified, r.distance, r.faces.img1.box
 * p.dispose();
 */
export class NodePipeline {
  private disposed = false;

  constructor(
    private readonly inner: FacePipeline,
    /** Options given at creation; per-call options override metric, threshold and the rest. */
    readonly defaults: NodeOptions = {},
  ) {}

  /** What the registry knows about this pipeline's embedder (dimension, thresholds, template). */
  get embedder(): EmbedderSpec {
    return this.inner.spec;
  }

  /** The resolved model names: detector, landmarker, align, embedder, metric, minFaceScore. */
  get options(): FacePipeline['options'] {
    return this.inner.options;
  }

  private async prepare(options: CallOptions | undefined): Promise<NodeOptions & { ranOn: string }> {
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
   * const { verified, distance, threshold, confidence } = await p.verify(bufferA, 'b.png');
   */
  async verify(img1: ImageInput, img2: ImageInput, options?: CallOptions): Promise<NodeVerifyResult> {
    const t0 = now();
    const o = await this.prepare(options);
    return withImages([img1, img2], o, async ([a, b]) => {
      throwIfAborted(o.signal);
      const r = await this.inner.verify(a, b, {
        enforceDetection: o.enforceDetection,
        signal: o.signal,
        metric: o.metric as MetricName | undefined,
        threshold: o.threshold,
      });
      return { ...r, timeMs: now() - t0, backend: o.ranOn };
    });
  }

  /**
   * The embedding of the largest face (or of every face with `all: true`).
   *
   * @example
   * const [{ embedding, summary }] = await p.represent('a.jpg'); // embedding.vector: Float32Array
   */
  async represent(image: ImageInput, options?: CallOptions & { all?: boolean }): Promise<Representation[]> {
    const o = await this.prepare(options);
    return withImages([image], o, async ([t]) => {
      throwIfAborted(o.signal);
      return this.inner.represent(t, { enforceDetection: o.enforceDetection, all: options?.all, signal: o.signal });
    });
  }

  /**
   * Every face, largest first, with landmarks when a landmarker is configured.
   *
   * @example
   * const faces = await p.detect('group.jpg'); // faces[0].box, faces[0].five, faces[0].landmarks
   */
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

/** Every pipeline created and not yet disposed, for disposeAll(). */
const live = new Set<NodePipeline>();

async function load(options: NodeOptions): Promise<NodePipeline> {
  validateOptions(options);
  await ensureBackend(options.backend);
  const m = modelOptions(options);
  const inner = await FacePipeline.create(nodeModelContext({ weightsPath: m.weightsPath }), {
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
  const p = new NodePipeline(inner, options);
  live.add(p);
  return p;
}

/**
 * Loads a pipeline that you own: reuse it for many calls and `dispose()` it when done.
 * (The top-level `verify` / `represent` / `detect` share cached pipelines instead.)
 *
 * @example
 * const p = await createPipeline({ embedder: 'mobilefacenet', align: '2d' });
 * try { console.log(await p.verify('a.jpg', 'b.jpg')); } finally { p.dispose(); }
 */
export async function createPipeline(options: NodeOptions = {}): Promise<NodePipeline> {
  return load({ ...options });
}

/** Model options → the shared pipeline (a promise, so concurrent first calls share one load). */
const cache = new Map<string, Promise<NodePipeline>>();

/** The shared pipeline for these options; metric, threshold and the other per-call options do not split the cache. */
export function cachedPipeline(options: NodeOptions = {}): Promise<NodePipeline> {
  validateOptions(options);
  const m = modelOptions(options);
  const key = JSON.stringify([
    m.detector,
    m.landmarker,
    m.align,
    m.embedder,
    m.minFaceScore,
    m.pick,
    m.weightsPath ?? null,
  ]);
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
    } = options as NodeOptions & { all?: boolean };
    entry = load(modelOnly);
    cache.set(key, entry);
    const mine = entry;
    // A failed load is not cached: a later call (e.g. after the weights file appears) tries again.
    entry.catch(() => {
      if (cache.get(key) === mine) cache.delete(key);
    });
  }
  return entry;
}

/**
 * Disposes every pipeline facekit created (the shared ones and those from createPipeline) and empties the cache;
 * the next call loads models again. Do not call it while calls are in flight.
 *
 * @example
 * await verify('a.jpg', 'b.jpg');
 * disposeAll(); // tf.memory().numTensors is back to what it was before
 */
export function disposeAll(): void {
  const pending = [...cache.values()];
  cache.clear();
  for (const p of live) p.dispose();
  live.clear();
  // Loads still in flight are disposed when they land.
  for (const entry of pending) entry.then((p) => p.dispose()).catch(() => undefined);
}
