// Worker-thread entry of the embedding pool: the wasm backend is single-threaded in Node, so each worker runs its
// own tfjs instance and the pool uses every core. Piscina calls the default export once per task; the same code runs
// in the calling thread when the pool has no workers (concurrency 0).
import '../register-models.js';
import type { Representation } from '@facekit/core';
import { type ImageEmbeddings, MultiEmbedder, type MultiEmbedderOptions } from '../bench/multi-embedder.js';
import type { NodeOptions } from '../options.js';
import { type NodePipeline, nodePlatform } from '../pipeline.js';

/** Pipeline options as they cross the thread boundary: structured-clone-able, so without the AbortSignal. */
export type PoolPipelineOptions = Omit<NodeOptions, 'signal'>;

/** One unit of work of the pool: one image through `represent`, or a chunk of files through the multi-embedder. */
export type PoolTask =
  | { kind: 'represent'; options: PoolPipelineOptions; input: string | Uint8Array; all?: boolean }
  | { kind: 'combos'; options: MultiEmbedderOptions; paths: string[] };

/**
 * A task's outcome. Errors travel as data because a thrown FaceKitError loses its class at the thread boundary;
 * `fatal` marks an error of the pipeline itself (its models cannot load), which stops a run, unlike an error of one
 * image (E_DECODE, E_NO_FACE), which is reported for that image only.
 */
export type PoolReply<T> = { ok: true; value: T } | { ok: false; code: string; message: string; fatal: boolean };

function errorReply(e: unknown, fatal: boolean): PoolReply<never> {
  const err = e as { code?: unknown; message?: unknown };
  return {
    ok: false,
    code: typeof err?.code === 'string' && err.code.startsWith('E_') ? err.code : 'E_INTERNAL',
    message: String(err?.message ?? e),
    fatal,
  };
}

/**
 * The models of one thread, loaded on first use and kept per configuration (so they load once per worker), until
 * `dispose()`.
 */
export class PoolWorkerState {
  private readonly pipelines = new Map<string, Promise<NodePipeline>>();
  private readonly combos = new Map<string, Promise<MultiEmbedder>>();

  private cached<T>(map: Map<string, Promise<T>>, options: object, load: () => Promise<T>): Promise<T> {
    const key = JSON.stringify(options);
    let p = map.get(key);
    if (!p) {
      p = load();
      map.set(key, p);
      // A configuration that failed to load is tried again by the next task, not cached as failed.
      p.catch(() => map.delete(key));
    }
    return p;
  }

  async run(task: PoolTask): Promise<PoolReply<Representation[] | ImageEmbeddings[]>> {
    if (task.kind === 'represent') {
      let pipeline: NodePipeline;
      try {
        pipeline = await this.cached(this.pipelines, task.options, () => nodePlatform.createPipeline(task.options));
      } catch (e) {
        return errorReply(e, true);
      }
      try {
        return { ok: true, value: await pipeline.represent(task.input, { all: task.all }) };
      } catch (e) {
        return errorReply(e, false);
      }
    }
    try {
      const m = await this.cached(this.combos, task.options, () => MultiEmbedder.create(task.options));
      return { ok: true, value: await m.embedFiles(task.paths) };
    } catch (e) {
      return errorReply(e, true);
    }
  }

  async dispose(): Promise<void> {
    const all = [...this.pipelines.values(), ...this.combos.values()];
    this.pipelines.clear();
    this.combos.clear();
    for (const p of await Promise.allSettled(all)) if (p.status === 'fulfilled') p.value.dispose();
  }
}

const state = new PoolWorkerState();

/** Piscina's entry: runs one task on this worker's models. */
export default function poolTask(task: PoolTask): Promise<PoolReply<Representation[] | ImageEmbeddings[]>> {
  return state.run(task);
}
