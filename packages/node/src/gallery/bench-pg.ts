import { FaceKitError, seededRandom } from '@facekit/core';
import { nearProbe, randomUnit } from './bench-vectors.js';
import { importOptional } from './optional-deps.js';
import { PgGallery } from './pg-gallery.js';

/**
 * Options of `benchPgGallery`.
 *
 * @example
 * const r = await benchPgGallery({ url: 'postgres://postgres@127.0.0.1:5432/postgres', size: 100_000 } satisfies BenchPgOptions);
 */
export interface BenchPgOptions {
  /** A postgres:// URL of a database with pgvector. */
  url: string;
  size: number;
  dim?: number;
  /** Queries of each kind (default 200). */
  queries?: number;
  seed?: number;
  /** pgvector's hnsw.ef_search (default 100, the gallery's default). */
  efSearch?: number;
  /** Rows per INSERT statement (default 1,000). */
  insertBatch?: number;
  /** Rows also inserted one statement each, to compare (default 1,000; 0 to skip). */
  rowByRow?: number;
  /** The bench's own table, dropped and made anew (default 'facekit_bench'). */
  table?: string;
  onProgress?: (phase: string, done: number, total: number) => void;
}

/**
 * Speed and recall of one kind of query in `benchPgGallery`.
 *
 * @example
 * const { msPerQuery, recallAt1 }: PgQueryStats = r.near;
 */
export interface PgQueryStats {
  /** Through the HNSW index, one query at a time over the wire. */
  msPerQuery: number;
  /** Exact (index scans off: a sequential scan of every row). */
  exactMsPerQuery: number;
  /** Share of queries whose nearest row through HNSW is the exact nearest row. */
  recallAt1: number;
}

/**
 * What `facekit bench gallery --db postgres://…` measures.
 *
 * @example
 * const r: BenchPgResult = await benchPgGallery({ url, size: 10_000 });
 */
export interface BenchPgResult {
  size: number;
  dim: number;
  queries: number;
  efSearch: number;
  insert: {
    /** Rows per second of `enrollMany` in transactions of 10,000 rows, statements of `batch` rows, no index yet. */
    rowsPerSecond: number;
    batch: number;
    seconds: number;
    /** The HNSW build over all rows afterwards (`buildIndex`). */
    indexSeconds: number;
    /** One INSERT per row into the indexed table (`rowByRow` extra rows): the graph updated row by row. */
    rowByRowRowsPerSecond?: number;
  };
  /** Random unit queries: every row is nearly equally far, the hardest case for any index. */
  random: PgQueryStats;
  /** An enrolled vector plus noise (cosine ≈ 0.83 to it): the identify workload. */
  near: PgQueryStats;
}

const TX_ROWS = 10_000;

/**
 * `facekit bench gallery --db postgres://… --size N`: enrols N seeded random unit vectors (Gaussian coordinates,
 * normalised) into a fresh table of the PostgreSQL gallery, with batched inserts (and a row-by-row sample), then
 * times identify through pgvector's HNSW index and exactly, and reports recall@1 of HNSW against the exact answer
 * for random and near-duplicate queries.
 *
 * @example
 * const r = await benchPgGallery({ url: 'postgres://postgres@127.0.0.1:5432/postgres', size: 100_000 });
 */
export async function benchPgGallery(options: BenchPgOptions): Promise<BenchPgResult> {
  const { url, size, dim = 128, seed = 1, efSearch = 100, insertBatch = 1000, rowByRow = 1000 } = options;
  const nq = options.queries ?? 200;
  const table = options.table ?? 'facekit_bench';
  const progress = options.onProgress ?? (() => undefined);
  if (!Number.isInteger(size) || size < 1) throw new FaceKitError('E_CONFIG', `size must be ≥ 1, got ${size}`);
  const embedder = `random-${dim}`;
  // Bulk load without the index, then one HNSW build (`buildIndex`): the way to enrol many faces at once.
  const open = () =>
    PgGallery.connect(url, {
      table,
      embedder,
      dim,
      metric: 'cosine',
      efSearch,
      insertBatch,
      maxConnections: 1,
      hnsw: false,
    });
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(table)) throw new FaceKitError('E_CONFIG', `bad table name '${table}'`);
  // A fresh table: the bench drops its own (and its cluster and meta tables), never another.
  const { default: pg } = await importOptional('pg', 'the PostgreSQL bench', () => import('pg'));
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS ${table}_clusters, ${table}, ${table}_meta`);
  } catch (cause) {
    throw new FaceKitError('E_IO', `cannot prepare the bench table: ${(cause as Error).message}`, { cause });
  } finally {
    await client.end().catch(() => undefined);
  }
  const g = await open();
  try {
    const rand = seededRandom(seed);
    const kept: Float32Array[] = [];
    const keepEvery = Math.max(1, Math.floor(size / nq));
    let insertMs = 0;
    for (let start = 0; start < size; start += TX_ROWS) {
      const items = [];
      for (let i = start; i < Math.min(size, start + TX_ROWS); i++) {
        const vector = randomUnit(rand, dim);
        if (i % keepEvery === 0 && kept.length < nq) kept.push(vector);
        items.push({ label: `p${i}`, embedding: { vector, embedder } });
      }
      const t0 = performance.now();
      await g.enrollMany(items);
      insertMs += performance.now() - t0;
      progress('enrol', Math.min(size, start + TX_ROWS), size);
    }
    progress('build hnsw', 0, 1);
    const indexMs = await g.buildIndex();
    progress('build hnsw', 1, 1);
    let rowByRowRowsPerSecond: number | undefined;
    if (rowByRow > 0) {
      const single = await PgGallery.connect(url, { table, efSearch, insertBatch: 1, maxConnections: 1 });
      try {
        const items = Array.from({ length: rowByRow }, (_, i) => ({
          label: `r${i}`,
          embedding: { vector: randomUnit(rand, dim), embedder },
        }));
        const t0 = performance.now();
        await single.enrollMany(items);
        rowByRowRowsPerSecond = (1000 * rowByRow) / (performance.now() - t0);
      } finally {
        await single.close();
      }
    }
    const randomQueries = Array.from({ length: nq }, () => ({ vector: randomUnit(rand, dim), embedder }));
    const nearQueries = kept.map((base) => ({ vector: nearProbe(base, rand), embedder }));
    const measure = async (name: string, qs: typeof randomQueries): Promise<PgQueryStats> => {
      let t0 = performance.now();
      const approx = [];
      for (const q of qs) approx.push((await g.identify(q, { threshold: Infinity })).matches[0]?.id);
      const ms = (performance.now() - t0) / qs.length;
      t0 = performance.now();
      let hits = 0;
      for (const [i, q] of qs.entries()) {
        if ((await g.identify(q, { threshold: Infinity, exact: true })).matches[0]?.id === approx[i]) hits++;
        progress(`query ${name}`, i + 1, qs.length);
      }
      return { msPerQuery: ms, exactMsPerQuery: (performance.now() - t0) / qs.length, recallAt1: hits / qs.length };
    };
    const random = await measure('random', randomQueries);
    const near = await measure('near', nearQueries);
    return {
      size,
      dim,
      queries: nq,
      efSearch,
      insert: {
        rowsPerSecond: (1000 * size) / insertMs,
        batch: insertBatch,
        seconds: insertMs / 1000,
        indexSeconds: indexMs / 1000,
        rowByRowRowsPerSecond,
      },
      random,
      near,
    };
  } finally {
    await g.close();
  }
}
