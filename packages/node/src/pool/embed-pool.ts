import { availableParallelism } from 'node:os';
import {
  type EmbedderSpec,
  FaceKitError,
  type FaceKitErrorCode,
  models,
  type Representation,
  resolveModelOptions,
  throwIfAborted,
} from '@facekit/core';
import type { Piscina } from 'piscina';
import type { ImageEmbeddings, MultiEmbedderOptions } from '../bench/multi-embedder.js';
import { type NodeOptions, validateOptions } from '../options.js';
import type { PoolPipelineOptions, PoolReply, PoolTask, PoolWorkerState } from './embed-worker.js';
import { builtExecArgv, builtWorkerFile } from './worker-file.js';

/**
 * An image the pool can embed: a file path or encoded bytes (tensors cannot cross threads).
 *
 * @example
 * const inputs: PoolInput[] = ['a.jpg', await readFile('b.png')];
 */
export type PoolInput = string | Uint8Array;

/**
 * Options of an {@link EmbedPool}.
 *
 * @example
 * const pool = new EmbedPool({ concurrency: 2 } satisfies EmbedPoolOptions);
 */
export interface EmbedPoolOptions {
  /** Worker threads (default: one per core, `os.availableParallelism()`); 0 runs every task in this thread. */
  concurrency?: number;
  /**
   * The worker entry (default: `embed-worker.js` beside the built bundle). Run from the TypeScript sources (as
   * tests do) there is no built worker: without this option the pool then runs in the calling thread.
   */
  worker?: string | URL;
}

/**
 * Options of `representMany`: the pipeline options of `represent` (embedder, aligner, weightsPath, flip, …; the same
 * for every image) and of the run.
 *
 * @example
 * const options: RepresentManyOptions = { embedder: 'dlib-resnet34', enforceDetection: false, onProgress };
 */
export interface RepresentManyOptions extends NodeOptions {
  /** Every face of each image instead of the chosen one. */
  all?: boolean;
  /**
   * Called as each result is delivered (in input order): results so far, total (for an async iterable of inputs:
   * the inputs drawn so far), and the input.
   */
  onProgress?: (done: number, total: number, input: PoolInput) => void;
}

/**
 * One image's outcome from `representMany`, at its `index` in the inputs: its representations, or the error of this
 * image alone (E_DECODE, E_NO_FACE, …), which never stops the others.
 *
 * @example
 * for await (const r of representMany(paths)) {
 *   if (r.error) console.error(r.index, r.error.code);
 *   else console.log(r.index, r.representations[0].embedding.vector);
 * }
 */
export type RepresentManyResult =
  | { index: number; input: PoolInput; representations: Representation[]; error?: undefined }
  | { index: number; input: PoolInput; representations?: undefined; error: FaceKitError };

/**
 * Per-call options of a {@link PooledEmbedder}.
 *
 * @example
 * pooled.representMany(paths, { enforceDetection: false, all: true } satisfies PooledCallOptions);
 */
export type PooledCallOptions = Pick<RepresentManyOptions, 'enforceDetection' | 'signal' | 'all' | 'onProgress'>;

/**
 * An {@link EmbedPool} bound to pipeline options: `represent` one image or `representMany` on the pool's workers.
 *
 * @example
 * const p: PooledEmbedder = pool.embedderFor({ embedder: 'facenet' });
 * p.embedder.dim; // 128
 */
export interface PooledEmbedder {
  readonly embedder: EmbedderSpec;
  readonly weightsPath?: string;
  represent(image: PoolInput, options?: PooledCallOptions): Promise<Representation[]>;
  representMany(
    inputs: readonly PoolInput[],
    options?: PooledCallOptions,
  ): AsyncGenerator<RepresentManyResult, void, undefined>;
}

/**
 * Options of the multi-embedder runs of the benchmarks (`EmbedPool.embedCombos`).
 *
 * @example
 * await pool.embedCombos(paths, { embedders: ['dlib-resnet34'] }, { chunk: 8, onProgress } satisfies EmbedCombosOptions);
 */
export interface EmbedCombosOptions {
  /** Images per task sent to a worker (default 8): a task's faces are aligned and embedded as one batch. */
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

const DEFAULT_CHUNK = 8;

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return typeof (x as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] === 'function';
}

/** Resolves with `p`, or rejects with E_ABORTED as soon as `signal` aborts. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      try {
        throwIfAborted(signal);
      } catch (e) {
        reject(e);
      }
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The one embedding pool of facekit: worker threads that each hold their own tfjs instance and models (the wasm
 * backend is single-threaded in Node, so this is how a process uses every core). `enroll`, `identify`, `cluster`,
 * `represent` over many files and the benchmarks all run on it. Models load once per worker and configuration; keep
 * one pool for several runs, and `destroy()` it when done (its threads keep the process alive until then).
 *
 * Time grows linearly with the images, divided by the workers; memory is one set of models per worker plus a
 * window of 2 × concurrency images in flight.
 *
 * @example
 * const pool = new EmbedPool({ concurrency: 2 });
 * try {
 *   for await (const r of pool.representMany(paths, { embedder: 'dlib-resnet34' })) {
 *     if (!r.error) console.log(r.index, r.representations[0].embedding.vector.length);
 *   }
 * } finally {
 *   await pool.destroy();
 * }
 */
export class EmbedPool {
  /** The worker file when tasks run in threads; undefined when they run in this thread. */
  private readonly filename?: string;
  /** The thread pool, started on the first task: piscina loads only when a pool runs (not on `import`). */
  private threads?: Promise<Piscina>;
  private local?: Promise<PoolWorkerState>;
  /** Worker threads; 0 when tasks run in this thread. */
  readonly concurrency: number;

  constructor(options: EmbedPoolOptions = {}) {
    const concurrency = options.concurrency ?? availableParallelism();
    if (!Number.isInteger(concurrency) || concurrency < 0) {
      throw new FaceKitError('E_CONFIG', `concurrency must be a non-negative integer, got ${concurrency}`);
    }
    this.filename =
      concurrency > 0 ? builtWorkerFile('embed-worker', "the embedding pool's", options.worker) : undefined;
    this.concurrency = this.filename ? concurrency : 0;
  }

  private broken?: Promise<never>;

  private startThreads(filename: string): Promise<Piscina> {
    this.threads ??= import('piscina').then(({ Piscina }) => {
      const piscina = new Piscina({
        filename,
        minThreads: this.concurrency,
        maxThreads: this.concurrency,
        execArgv: builtExecArgv(process.execArgv),
      });
      // A worker that cannot even start (a broken install) fails every task instead of crashing the process.
      this.broken = new Promise((_, reject) => {
        piscina.on('error', (cause) =>
          reject(
            new FaceKitError('E_DEPENDENCY', `an embedding worker failed: ${(cause as Error).message}`, { cause }),
          ),
        );
      });
      this.broken.catch(() => undefined);
      return piscina;
    });
    return this.threads;
  }

  private async submit<T>(task: PoolTask): Promise<PoolReply<T>> {
    if (this.filename) {
      try {
        const piscina = await this.startThreads(this.filename);
        return await Promise.race([piscina.run(task), this.broken as Promise<never>]);
      } catch (e) {
        if (e instanceof FaceKitError && e.code === 'E_DEPENDENCY') return { ...errorOf(e), fatal: true };
        throw e;
      }
    }
    this.local ??= import('./embed-worker.js').then((m) => new m.PoolWorkerState());
    return (await this.local).run(task) as Promise<PoolReply<T>>;
  }

  /**
   * The representations of many images, yielded in input order as soon as each is ready, with up to
   * 2 × concurrency images in flight. `inputs` may be an async iterable, drawn from lazily (a producer that reads
   * or checks files ahead of the workers). Each result equals that of `represent(input, options)`; an image that fails
   * yields its error and the run goes on. A pipeline that cannot load (unknown model, missing weights) or an abort
   * (E_ABORTED) ends the iteration with a thrown FaceKitError.
   *
   * @example
   * for await (const r of pool.representMany(['a.jpg', 'b.jpg'], { enforceDetection: false })) console.log(r.index);
   */
  async *representMany(
    inputs: readonly PoolInput[] | AsyncIterable<PoolInput>,
    options: RepresentManyOptions = {},
  ): AsyncGenerator<RepresentManyResult, void, undefined> {
    const { signal, onProgress, all, ...rest } = options;
    validateOptions(rest);
    throwIfAborted(signal);
    const pipelineOptions: PoolPipelineOptions = rest;
    const checkInput = (input: unknown): PoolInput => {
      if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
        throw new FaceKitError('E_INPUT', 'representMany takes file paths or encoded image bytes (Uint8Array)');
      }
      return input;
    };
    const list = isAsyncIterable(inputs) ? undefined : inputs;
    list?.forEach(checkInput); // a wrong input fails before any work
    const source = list ? undefined : (inputs as AsyncIterable<PoolInput>)[Symbol.asyncIterator]();
    const window = Math.max(1, 2 * this.concurrency);
    const pending: Array<{ input: PoolInput; reply: Promise<PoolReply<Representation[]>> }> = [];
    let drawn = 0;
    let exhausted = false;
    try {
      for (let i = 0; ; i++) {
        // Keep the window full; an async source is drawn from lazily, as results are taken.
        while (!exhausted && pending.length < window) {
          let input: PoolInput;
          if (list) {
            if (drawn >= list.length) {
              exhausted = true;
              break;
            }
            input = list[drawn];
          } else {
            const n = await (source as AsyncIterator<PoolInput>).next();
            if (n.done) {
              exhausted = true;
              break;
            }
            input = checkInput(n.value);
          }
          drawn++;
          const task: PoolTask = { kind: 'represent', options: pipelineOptions, input, all };
          // A thread that dies on one image (its replacement loads the models again) fails that image only.
          const reply = this.submit<Representation[]>(task).catch((e) => ({ ...errorOf(e), fatal: false as const }));
          pending.push({ input, reply });
        }
        const head = pending.shift();
        if (!head) return;
        const reply = await raceAbort(head.reply, signal);
        if (!reply.ok && reply.fatal) throw replyError(reply);
        onProgress?.(i + 1, list?.length ?? drawn, head.input);
        yield reply.ok
          ? { index: i, input: head.input, representations: reply.value }
          : { index: i, input: head.input, error: itemError(reply) };
      }
    } finally {
      await source?.return?.();
    }
  }

  /**
   * A pipeline-like view of the pool for fixed pipeline options (the `ImageEmbedder` of `enrollImages`,
   * `identifyImages`, `clusterImages`): its embedder spec comes from the registry, so no model loads in this thread.
   *
   * @example
   * const p = pool.embedderFor({ embedder: 'dlib-resnet34' });
   * await enrollImages(gallery, p, await labelledImages('people/'));
   */
  embedderFor(options: Omit<NodeOptions, 'signal'> = {}): PooledEmbedder {
    validateOptions(options);
    const spec = poolEmbedderSpec(options);
    const many = (inputs: readonly PoolInput[] | AsyncIterable<PoolInput>, o: PooledCallOptions = {}) =>
      this.representMany(inputs, { ...options, ...o });
    return {
      embedder: spec,
      weightsPath: options.weightsPath,
      representMany: many,
      async represent(image, o) {
        for await (const r of many([image], o)) {
          if (r.error) throw r.error;
          return r.representations;
        }
        throw new Error('the pool returned no result');
      },
    };
  }

  /**
   * Benchmarks: one detection per file and its face embedded by every embedder × aligner, files sent in chunks
   * (one embedder batch each). Results in input order; any error stops the run.
   *
   * @example
   * const res = await pool.embedCombos(paths, { embedders: ['dlib-resnet34'], aligners: ['2d', 'none'] });
   */
  async embedCombos(
    paths: readonly string[],
    options: MultiEmbedderOptions,
    run: EmbedCombosOptions = {},
  ): Promise<ImageEmbeddings[]> {
    const { chunk = DEFAULT_CHUNK, onProgress, signal } = run;
    const results: ImageEmbeddings[] = new Array(paths.length);
    let done = 0;
    const tasks: Promise<void>[] = [];
    for (let start = 0; start < paths.length; start += chunk) {
      throwIfAborted(signal);
      const task = raceAbort(
        this.submit<ImageEmbeddings[]>({ kind: 'combos', options, paths: paths.slice(start, start + chunk) }),
        signal,
      ).then((reply) => {
        if (!reply.ok) throw replyError(reply);
        reply.value.forEach((r, j) => {
          results[start + j] = r;
        });
        done += reply.value.length;
        onProgress?.(done, paths.length);
      });
      if (!this.filename) await task; // one thread: keep the order and stop at the first failure
      tasks.push(task);
    }
    await Promise.all(tasks);
    return results;
  }

  /**
   * Loads the models in every worker and runs one full chunk there (the embedder's batch shape compiles and the
   * wasm heap grows on first use), so that timings exclude start-up.
   *
   * @example
   * await pool.warmUp(paths[0], { embedders: ['dlib-resnet34'] });
   */
  async warmUp(samplePath: string, options: MultiEmbedderOptions, chunk = DEFAULT_CHUNK): Promise<void> {
    const n = Math.max(1, this.concurrency);
    const task = Array.from({ length: chunk }, () => samplePath);
    await Promise.all(Array.from({ length: n }, () => this.embedCombos(task, options, { chunk })));
  }

  /**
   * Ends the worker threads (tasks still running are dropped) and frees the models of an in-thread pool.
   *
   * @example
   * await pool.destroy();
   */
  async destroy(): Promise<void> {
    const local = this.local;
    this.local = undefined;
    if (local) await (await local).dispose();
    const threads = this.threads;
    this.threads = undefined;
    if (threads) await (await threads).destroy();
  }
}

function errorOf(e: unknown): { ok: false; code: string; message: string } {
  const err = e as { code?: unknown; message?: unknown };
  return { ok: false, code: e instanceof FaceKitError ? e.code : 'E_INTERNAL', message: String(err?.message ?? e) };
}

/** A worker's error as thrown here: its FaceKitError, or a plain Error for a bug (the CLI prints E_INTERNAL). */
function replyError(reply: { code: string; message: string }): Error {
  return reply.code === 'E_INTERNAL'
    ? new Error(reply.message)
    : new FaceKitError(reply.code as FaceKitErrorCode, reply.message);
}

/** One image's error; anything that is not a FaceKitError (a thread that died on it) counts as unreadable (E_IO). */
function itemError(reply: { code: string; message: string }): FaceKitError {
  const e = replyError(reply);
  return e instanceof FaceKitError ? e : new FaceKitError('E_IO', `could not embed this image: ${e.message}`);
}

/**
 * The embedder spec of pipeline options, from the registry (for what needs the dimension or default metric before
 * any worker has loaded a model).
 *
 * @example
 * poolEmbedderSpec({ embedder: 'facenet' }).dim; // 128
 */
export function poolEmbedderSpec(options: Pick<NodeOptions, 'embedder'>): EmbedderSpec {
  return models.embedders.get(resolveModelOptions(options).embedder);
}

/**
 * `represent()` over many images on every core: a one-shot {@link EmbedPool} whose workers end with the iteration
 * (also when the loop breaks early or throws). Results come in input order and equal serial `represent()` calls;
 * an image that fails yields its error (`r.error.code`: E_DECODE, E_NO_FACE, …) and the others go on.
 *
 * @example
 * import { representMany } from '@facekit/node';
 * const ac = new AbortController();
 * for await (const r of representMany(['a.jpg', 'b.jpg'], {
 *   embedder: 'dlib-resnet34',
 *   concurrency: 2,
 *   signal: ac.signal,
 *   onProgress: (done, total) => console.error(`${done}/${total}`),
 * })) {
 *   console.log(r.index, r.error?.code ?? r.representations[0].embedding.vector.length);
 * }
 */
export async function* representMany(
  inputs: readonly PoolInput[],
  options: RepresentManyOptions & EmbedPoolOptions = {},
): AsyncGenerator<RepresentManyResult, void, undefined> {
  const { concurrency, worker, ...rest } = options;
  const pool = new EmbedPool({
    concurrency: concurrency ?? Math.min(availableParallelism(), Math.max(1, inputs.length)),
    worker,
  });
  try {
    yield* pool.representMany(inputs, rest);
  } finally {
    await pool.destroy();
  }
}
