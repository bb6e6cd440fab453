// The IVF kNN graph on worker threads (shared memory) against the same graph built in one thread.
import { join } from 'node:path';
import {
  clusterEmbeddings,
  type Embedding,
  EXACT_KNN_MAX_ITEMS,
  type FaceKitError,
  ivfKnn,
  packVectors,
} from '@facekit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test/utils.js';
import { clusterEmbeddingsOnCores } from '../src/gallery/cluster-on-cores.js';
import { LFW_DLIB_FIT, syntheticFaces } from '../src/gallery/synthetic-faces.js';
import { ivfKnnParallel } from '../src/pool/knn-pool.js';
import { buildPackages } from './build.js';

// Real worker threads need the built worker (dist/knn-worker.js): build the package (turbo, cached).
const worker = join(repoRoot, 'packages', 'node', 'dist', 'knn-worker.js');
beforeAll(async () => {
  await buildPackages();
}, 300_000);

describe('ivfKnnParallel', () => {
  const faces = syntheticFaces(6000);
  const points = packVectors(
    Array.from({ length: faces.n }, (_, i) => faces.vectors.subarray(i * faces.dim, (i + 1) * faces.dim)),
    'cosine',
  );

  it('fills the same graph as ivfKnn, row for row, with progress up to n', async () => {
    const serial = ivfKnn(points, { k: 10, seed: 3 });
    const seen: number[] = [];
    const parallel = await ivfKnnParallel(points, {
      k: 10,
      seed: 3,
      workers: 2,
      worker,
      onProgress: (d) => seen.push(d),
    });
    expect(parallel.k).toBe(10);
    expect(Array.from(parallel.neighbours)).toEqual(Array.from(serial.neighbours));
    expect(Array.from(parallel.distances)).toEqual(Array.from(serial.distances));
    expect(seen.at(-1)).toBe(points.n);
    expect(seen.every((d, i) => i === 0 || d > seen[i - 1])).toBe(true);
  });

  it("clusterEmbeddingsOnCores gives clusterEmbeddings' clusters above EXACT_KNN_MAX_ITEMS faces", async () => {
    const big = syntheticFaces(EXACT_KNN_MAX_ITEMS + 1000, LFW_DLIB_FIT, 5);
    const embeddings: Embedding[] = Array.from({ length: big.n }, (_, i) => ({
      vector: big.vectors.subarray(i * big.dim, (i + 1) * big.dim),
      embedder: 'synthetic',
    }));
    const options = { method: 'chinese-whispers' as const, threshold: 0.0477, seed: 2 };
    const seen: number[] = [];
    const onCores = await clusterEmbeddingsOnCores(embeddings, {
      ...options,
      workers: 2,
      worker,
      onProgress: (d) => seen.push(d),
    });
    const inThread = clusterEmbeddings(embeddings, options);
    expect(onCores.graph).toBe('ivf-knn');
    expect(Array.from(onCores.labels)).toEqual(Array.from(inThread.labels));
    expect(seen.at(-1)).toBe(big.n);
  }, 120_000);

  it('stops its workers on abort with E_ABORTED', async () => {
    const controller = new AbortController();
    let code: string | undefined;
    try {
      await ivfKnnParallel(points, {
        workers: 2,
        worker,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      });
    } catch (e) {
      code = (e as FaceKitError).code;
    }
    expect(code).toBe('E_ABORTED');
  });

  it('a missing worker file fails with E_DEPENDENCY, one worker builds in this thread', async () => {
    let code: string | undefined;
    try {
      await ivfKnnParallel(points, { workers: 2, worker: join(repoRoot, 'no-such-worker.js') });
    } catch (e) {
      code = (e as FaceKitError).code;
    }
    expect(code).toBe('E_DEPENDENCY');
    const one = await ivfKnnParallel(points, { workers: 1, worker: join(repoRoot, 'no-such-worker.js') });
    expect(Array.from(one.neighbours)).toEqual(Array.from(ivfKnn(points).neighbours));
  });
});
