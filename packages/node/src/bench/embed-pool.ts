import { availableParallelism } from 'node:os';
import { FaceKitError, type FaceKitErrorCode, throwIfAborted } from '@facekit/core';
import { Piscina } from 'piscina';
import type { EmbedTaskResult } from './embed-worker.js';
import { type ImageEmbeddings, MultiEmbedder, type MultiEmbedderOptions } from './multi-embedder.js';

export interface EmbedPoolOptions extends MultiEmbedderOptions {
  /** Worker threads (default: one per core). 0 runs in this thread (tests, debugging). */
  workers?: number;
}

/** Images per worker task: the chosen faces of a task are aligned and embedded as one batch. */
const DEFAULT_CHUNK = 8;

export interface EmbedRunOptions {
  /** Images per task sent to a worker (default 8). */
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Embeds image files with one detection each, across worker threads (the wasm backend is single-threaded in Node,
 * so one tfjs instance per worker uses every core). Keep one pool for several runs so models load once.
 */
export class EmbedPool {
  private readonly pool?: Piscina;
  private local?: Promise<MultiEmbedder>;
  readonly workers: number;
  private readonly embedOptions: MultiEmbedderOptions;

  constructor(options: EmbedPoolOptions) {
    const { workers = availableParallelism(), ...embedOptions } = options;
    this.workers = workers;
    this.embedOptions = embedOptions;
    if (workers > 0) {
      // The worker is a separate built file next to this module (dist/bench-worker.js).
      const filename = new URL('./bench-worker.js', import.meta.url).href;
      this.pool = new Piscina({ filename, minThreads: workers, maxThreads: workers });
    }
  }

  /** Results in input order. Chunks run in parallel across the workers, or one after another in this thread. */
  async embed(paths: readonly string[], options: EmbedRunOptions = {}): Promise<ImageEmbeddings[]> {
    const { chunk = DEFAULT_CHUNK, onProgress, signal } = options;
    const results: ImageEmbeddings[] = new Array(paths.length);
    let done = 0;
    const tasks: Promise<void>[] = [];
    for (let start = 0; start < paths.length; start += chunk) {
      const task = this.embedChunk(paths.slice(start, start + chunk), signal).then((res) => {
        res.forEach((r, j) => {
          results[start + j] = r;
        });
        done += res.length;
        onProgress?.(done, paths.length);
      });
      if (!this.pool) await task; // one thread: keep the order and stop at the first failure
      tasks.push(task);
    }
    await Promise.all(tasks);
    return results;
  }

  private async embedChunk(paths: string[], signal: AbortSignal | undefined): Promise<ImageEmbeddings[]> {
    throwIfAborted(signal);
    if (!this.pool) {
      this.local ??= MultiEmbedder.create(this.embedOptions);
      return (await this.local).embedFiles(paths);
    }
    const out: EmbedTaskResult = await this.pool.run({ options: this.embedOptions, paths }, { signal });
    if (!out.ok) throw new FaceKitError(out.code as FaceKitErrorCode, out.message);
    return out.results;
  }

  /**
   * Loads the models in every worker and runs one full chunk there (the embedder's batch shape compiles and the
   * wasm heap grows on first use), so that timings exclude start-up.
   */
  async warmUp(samplePath: string, chunk = DEFAULT_CHUNK): Promise<void> {
    const n = Math.max(1, this.workers);
    const task = Array.from({ length: chunk }, () => samplePath);
    await Promise.all(Array.from({ length: n }, () => this.embed(task, { chunk })));
  }

  async destroy(): Promise<void> {
    if (this.local) (await this.local).dispose();
    await this.pool?.destroy();
  }
}

/** One-shot: a pool for one list of files. */
export async function embedMany(
  paths: readonly string[],
  options: EmbedPoolOptions & EmbedRunOptions,
): Promise<ImageEmbeddings[]> {
  const { chunk, onProgress, signal, ...poolOptions } = options;
  const pool = new EmbedPool(poolOptions);
  try {
    return await pool.embed(paths, { chunk, onProgress, signal });
  } finally {
    await pool.destroy();
  }
}
