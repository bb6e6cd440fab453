import {
  DEFAULT_ANN_CANDIDATES,
  Gallery,
  type PqIndexOptions,
  pqIndexFactory,
  seededRandom,
  type VectorIndex,
  type VectorIndexFactory,
} from '@facekit/core';
import { nearProbe, randomUnit } from './bench-vectors.js';
import { type UsearchOptions, USEARCH_DEFAULTS, usearchIndexFactory } from './usearch-index.js';

/**
 * The approximate index `benchGallery` measures: core's PQ fast-scan index (the default) or usearch HNSW.
 *
 * @example
 * const ann: BenchAnnOptions = { kind: 'hnsw', connectivity: 32, quantization: 'f16' };
 */
export type BenchAnnOptions = ({ kind?: 'pq' } & PqIndexOptions) | ({ kind: 'hnsw' } & UsearchOptions);

/**
 * Options of `benchGallery`.
 *
 * @example
 * const r = await benchGallery({ size: 100_000, dim: 128 } satisfies BenchGalleryOptions);
 */
export interface BenchGalleryOptions {
  /** Gallery size N. */
  size: number;
  /** Vector dimension (default 128). */
  dim?: number;
  /** Queries (default 1,000; 200 above 200,000 vectors, where exact ground truth gets slow). */
  queries?: number;
  /** Single exact queries timed for the per-query latency (default min(queries, 100)). */
  exactQueries?: number;
  seed?: number;
  /** The approximate index and its parameters (default the PQ index); false to measure the exact index only. */
  ann?: BenchAnnOptions | false;
  /** Called between phases and during the build: phase name, done, total. */
  onProgress?: (phase: string, done: number, total: number) => void;
}

/**
 * Speed and recall of the approximate index in `benchGallery`.
 *
 * @example
 * const { msPerQuery, recallAt1 }: AnnQueryStats = (await benchGallery({ size: 100_000 })).ann!;
 */
export interface AnnQueryStats {
  /** One query at a time, on one thread, including exact re-ranking of the candidates. */
  msPerQuery: number;
  queriesPerSecond: number;
  /** Share of queries whose nearest neighbour is the exact nearest neighbour. */
  recallAt1: number;
}

/**
 * What `benchGallery` measures: build time, queries per second, exact vs the approximate index.
 *
 * @example
 * const r: BenchGalleryResult = await benchGallery({ size: 10_000 });
 */
export interface BenchGalleryResult {
  size: number;
  dim: number;
  queries: number;
  exact: {
    /** Time to enrol N vectors (normalise, copy into the contiguous matrix, label maps). */
    buildMs: number;
    /** One query at a time. */
    msPerQuery: number;
    queriesPerSecond: number;
    /** All queries in one blocked pass (identifyMany). */
    batchQueriesPerSecond: number;
  };
  /** The approximate index on random unit queries (the hardest case: all neighbours nearly equidistant). */
  ann?: AnnQueryStats & {
    /** 'pq-scan' or 'usearch-hnsw'. */
    kind: string;
    /** The index's parameters: HNSW's with its defaults filled in; PQ's as given (its defaults depend on N). */
    params: Record<string, number | string>;
    /** Candidates re-ranked exactly per query. */
    candidates: number;
    buildMs: number;
    /** On probes of enrolled vectors (an enrolled vector plus noise, cosine ≈ 0.83): the identify workload. */
    near: AnnQueryStats;
  };
  /** Resident set size after the run, MiB. */
  rssMiB: number;
}

const CHUNK = 10_000;

/** The factory and filled-in parameters of the index to measure. */
function annIndex(options: BenchAnnOptions): { factory: VectorIndexFactory; params: Record<string, number | string> } {
  if (options.kind === 'hnsw') {
    const { kind: _, ...rest } = options;
    const params = { ...USEARCH_DEFAULTS, ...rest };
    return { factory: usearchIndexFactory(params), params };
  }
  const { kind: _, ...rest } = options;
  return { factory: pqIndexFactory(rest), params: { ...rest } };
}

/**
 * `facekit bench gallery --size N`: N random unit vectors (seeded), random unit queries. Reports the exact
 * index's build time and query speed, the approximate index's, and its recall@1 against the exact answers.
 *
 * @example
 * const r = await benchGallery({ size: 100_000 }); // r.ann.msPerQuery, r.ann.recallAt1, r.exact.msPerQuery
 */
export async function benchGallery(options: BenchGalleryOptions): Promise<BenchGalleryResult> {
  const { size, dim = 128, seed = 1 } = options;
  const nq = options.queries ?? (size > 200_000 ? 200 : 1000);
  const progress = options.onProgress ?? (() => undefined);
  const ann = options.ann === false ? undefined : annIndex(options.ann ?? {});
  let index: VectorIndex | undefined;
  const embedder = `random-${dim}`;
  const gallery = new Gallery({
    embedder,
    dim,
    metric: 'cosine',
    index: ann ? 'ann' : 'exact',
    ann: ann ? (d) => (index = ann.factory(d)) : false,
  });
  const rand = seededRandom(seed);
  let buildMs = 0;
  for (let start = 0; start < size; start += CHUNK) {
    const items = [];
    for (let i = start; i < Math.min(size, start + CHUNK); i++) {
      items.push({ label: `p${i}`, embedding: { vector: randomUnit(rand, dim), embedder }, id: i });
    }
    const t0 = performance.now();
    gallery.enrollMany(items);
    buildMs += performance.now() - t0;
    progress('build exact', Math.min(size, start + CHUNK), size);
    await new Promise((r) => setImmediate(r)); // let a progress bar draw
  }
  const queries = Array.from({ length: nq }, () => ({ vector: randomUnit(rand, dim), embedder }));
  // A probe of an enrolled person: an enrolled vector plus noise (cosine ≈ 0.83 to it), like a new photo.
  const near = Array.from({ length: nq }, () => {
    const base = gallery.embeddingOf(Math.floor(rand() * size))!.vector;
    return { vector: nearProbe(base, rand), embedder };
  });

  // Exact: a few single queries for latency, then all of them in one batch (also the ground truth).
  const nSingle = Math.min(nq, options.exactQueries ?? 100);
  let t0 = performance.now();
  for (let i = 0; i < nSingle; i++) gallery.identify(queries[i], { exact: true, threshold: Infinity });
  const exactMs = (performance.now() - t0) / Math.max(1, nSingle);
  progress('query exact', nSingle, nq);
  t0 = performance.now();
  const truth = gallery.identifyMany(queries, { exact: true, threshold: Infinity });
  const batchMs = performance.now() - t0;
  const nearTruth = gallery.identifyMany(near, { exact: true, threshold: Infinity });
  progress('query exact batch', nq, nq);

  const result: BenchGalleryResult = {
    size,
    dim,
    queries: nq,
    exact: {
      buildMs,
      msPerQuery: exactMs,
      queriesPerSecond: 1000 / exactMs,
      batchQueriesPerSecond: (1000 * nq) / batchMs,
    },
    rssMiB: 0,
  };

  if (ann) {
    const annBuildMs = gallery.buildAnn((done, total) => progress('build ann', done, total));
    const measure = (qs: typeof queries, exact: typeof truth): AnnQueryStats => {
      const start = performance.now();
      const found = qs.map((q) => gallery.nearest(q, 1, 'cosine'));
      const ms = (performance.now() - start) / nq;
      const hits = found.filter((f, i) => f[0]?.id === exact[i].matches[0]?.id).length;
      return { msPerQuery: ms, queriesPerSecond: 1000 / ms, recallAt1: hits / nq };
    };
    const randomStats = measure(queries, truth);
    progress('query ann', nq, nq);
    result.ann = {
      kind: index!.kind,
      params: ann.params,
      candidates: index!.candidates ?? DEFAULT_ANN_CANDIDATES,
      buildMs: annBuildMs,
      ...randomStats,
      near: measure(near, nearTruth),
    };
  }
  result.rssMiB = process.memoryUsage().rss / 2 ** 20;
  gallery.dispose();
  return result;
}
