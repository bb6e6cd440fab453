import {
  type ClusterOptions,
  type ClusterResult,
  clusterEmbeddings,
  type Embedding,
  EXACT_KNN_MAX_ITEMS,
  GRAPH_K,
  packEmbeddings,
} from '@facekit/core';
import { ivfKnnParallel } from '../pool/knn-pool.js';

/**
 * Options of `clusterEmbeddingsOnCores`: those of `clusterEmbeddings` plus the worker threads of the kNN graph.
 *
 * @example
 * const options: CoresClusterOptions = { method: 'chinese-whispers', threshold: 0.05, workers: 2 };
 */
export interface CoresClusterOptions extends ClusterOptions {
  /** Worker threads that build the IVF graph (default: one per core). */
  workers?: number;
  /** The kNN worker entry (see `ParallelKnnOptions.worker`; tests pass the built file). */
  worker?: string | URL;
}

/**
 * `clusterEmbeddings` with its approximate kNN graph (more than `EXACT_KNN_MAX_ITEMS` faces, or `graph: 'ivf-knn'`)
 * built on every core by `ivfKnnParallel`; the same clusters, the graph's wall time divided by about the number of
 * cores. Smaller sets and k-means run as `clusterEmbeddings` does, in this thread.
 *
 * @example
 * const { clusters } = await clusterEmbeddingsOnCores(embeddings, { method: 'chinese-whispers', threshold: 0.05 });
 */
export async function clusterEmbeddingsOnCores(
  embeddings: readonly Embedding[],
  options: CoresClusterOptions = {},
): Promise<ClusterResult> {
  const { workers, worker, ...rest } = options;
  const graph = rest.graph ?? 'auto';
  const n = embeddings.length;
  const onIvf = graph === 'ivf-knn' || (graph === 'auto' && n > EXACT_KNN_MAX_ITEMS);
  if (rest.method === 'kmeans' || !onIvf || rest.knnGraph || rest.threshold === undefined) {
    return clusterEmbeddings(embeddings, rest);
  }
  const knnGraph = await ivfKnnParallel(packEmbeddings(embeddings, rest.metric ?? 'cosine'), {
    k: GRAPH_K,
    seed: rest.seed,
    signal: rest.signal,
    workers,
    worker,
    // The graph is most of the work, as in clusterEmbeddings' own progress.
    onProgress: (d, t) => rest.onProgress?.(Math.round((0.9 * d * n) / t), n),
  });
  return clusterEmbeddings(embeddings, { ...rest, graph: 'ivf-knn', knnGraph });
}
