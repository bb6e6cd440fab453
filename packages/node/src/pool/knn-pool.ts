import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  FaceKitError,
  type IvfOptions,
  type IvfPartition,
  ivfKnn,
  ivfPartition,
  type KnnGraph,
  type PackedVectors,
  throwIfAborted,
} from '@facekit/core';
import type { KnnWorkerData } from './knn-worker.js';
import { builtExecArgv, builtWorkerFile } from './worker-file.js';

/**
 * Options of `ivfKnnParallel`: those of `ivfKnn` plus the worker threads.
 *
 * @example
 * const g = await ivfKnnParallel(points, { k: 10, workers: 2 } satisfies ParallelKnnOptions);
 */
export interface ParallelKnnOptions extends IvfOptions {
  /** Worker threads (default: one per core, `os.availableParallelism()`); ≤ 1 builds the graph in this thread. */
  workers?: number;
  /**
   * The worker entry (default: `knn-worker.js` beside the built bundle). From the TypeScript sources (tests) there
   * is none: without this option the graph is then built in this thread.
   */
  worker?: string | URL;
}

/** A typed array's contents copied onto a SharedArrayBuffer (workers then read the same memory). */
function shared<T extends Int32Array | Float32Array>(a: T): T {
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** Cells claimed per step: small enough to balance the workers and to report progress often. */
function claimStep(cells: number, workers: number): number {
  return Math.max(1, Math.floor(cells / (workers * 50)));
}

/**
 * `ivfKnn` on worker threads: the partition is built here, then the workers fill the graph's rows cell by cell from
 * shared memory (the same graph, row for row, as `ivfKnn` with the same options). The graph is most of the time of
 * clustering many faces (`clusterOnKnnGraph`), so its wall time falls by about the number of cores; memory adds one
 * shared copy of the points (n × dim floats) and a thread's overhead per worker. `onProgress(items, n)` and
 * `signal` work as in `ivfKnn` (the workers stop at their next claim).
 *
 * @example
 * const g = await ivfKnnParallel(packVectors(vectors, 'cosine'), { k: 10 });
 * const labels = clusterOnKnnGraph(points, { graph: g, threshold: 0.0477 });
 */
export async function ivfKnnParallel(p: PackedVectors, options: ParallelKnnOptions = {}): Promise<KnnGraph> {
  const workers = Math.min(options.workers ?? availableParallelism(), 64);
  const file = workers > 1 ? builtWorkerFile('knn-worker', 'the kNN graph', options.worker) : undefined;
  if (!file) return ivfKnn(p, options);
  throwIfAborted(options.signal);
  const k = Math.min(options.k ?? 10, Math.max(1, p.n - 1));
  const ivf0 = ivfPartition(p, options);
  const points: PackedVectors = { ...p, data: shared(p.data), sq: shared(p.sq) };
  const ivf: IvfPartition = {
    ...ivf0,
    offsets: shared(ivf0.offsets),
    members: shared(ivf0.members),
    centroids: shared(ivf0.centroids),
    near: shared(ivf0.near),
  };
  const graph: KnnGraph = {
    n: p.n,
    k,
    neighbours: new Int32Array(new SharedArrayBuffer(p.n * k * 4)).fill(-1),
    distances: new Float32Array(new SharedArrayBuffer(p.n * k * 4)).fill(Number.POSITIVE_INFINITY),
  };
  const control = new Int32Array(new SharedArrayBuffer(8));
  const data: KnnWorkerData = { points, ivf, graph, control, step: claimStep(ivf.cells, workers) };
  let filled = 0;
  const threads: Worker[] = [];
  const stop = () => Atomics.store(control, 1, 1);
  try {
    await new Promise<void>((resolve, reject) => {
      let running = workers;
      const onAbort = () => {
        stop();
        reject(new FaceKitError('E_ABORTED', 'operation aborted', { cause: options.signal?.reason }));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (error?: Error) => {
        if (error) {
          stop();
          options.signal?.removeEventListener('abort', onAbort);
          reject(error);
        } else if (--running === 0) {
          options.signal?.removeEventListener('abort', onAbort);
          resolve();
        }
      };
      for (let w = 0; w < workers; w++) {
        const t = new Worker(new URL(file), { workerData: data, execArgv: builtExecArgv(process.execArgv) });
        threads.push(t);
        let done = false;
        t.on('message', (m: number | 'done') => {
          if (m === 'done') {
            done = true;
            settle();
          } else {
            filled += m;
            options.onProgress?.(filled, p.n);
          }
        });
        t.on('error', (cause) =>
          settle(new FaceKitError('E_DEPENDENCY', `a kNN worker failed: ${cause.message}`, { cause })),
        );
        // A worker that ends without finishing (killed, out of memory) must not leave the graph waiting forever.
        t.on('exit', (code) => {
          if (!done) settle(new FaceKitError('E_DEPENDENCY', `a kNN worker exited (code ${code}) before finishing`));
        });
      }
    });
  } finally {
    stop();
    await Promise.all(threads.map((t) => t.terminate()));
  }
  return graph;
}
