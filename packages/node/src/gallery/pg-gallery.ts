import {
  type Embedding,
  FaceKitError,
  type Gallery,
  checkEmbedding,
  type IdentifyOptions,
  type IdentifyResult,
  type MetricName,
  assertMetric,
  voteLabel,
} from '@facekit/core';
import type pg from 'pg';
import {
  assertSameEmbedder,
  type EnrollItem,
  type GalleryInfo,
  type PersistentGallery,
  type PersistentGalleryOptions,
  resolveThreshold,
} from './backend.js';
import type { IngestEntry, IngestStore, StoredIngestRecord } from './ingest.js';
import { importOptional } from './optional-deps.js';
import { batchWeights, recordPgWeights, WEIGHTS_META_KEY } from './weights-meta.js';
import type { PgPoolConfigLike, PgPoolLike } from './peer-types.js';
import type { ClusteredGallery, GalleryClusterStore } from './gallery-clusters.js';
import { insertRows } from './pg-insert.js';
import { PgClusterStore } from './pg-clusters.js';
import { checkItems } from './sqlite-gallery.js';

/**
 * Options of the PostgreSQL + pgvector gallery.
 *
 * @example
 * const g = await PgGallery.connect(url, { table: 'faces_v2', hnsw: true, efSearch: 200 } satisfies PgGalleryOptions);
 */
export interface PgGalleryOptions extends PersistentGalleryOptions {
  /** Table of the faces (default 'facekit_faces'; its metadata lives in `<table>_meta`). Several galleries, several tables. */
  table?: string;
  /** Build a pgvector HNSW index for approximate search (default true). Without it every search is an exact scan. */
  hnsw?: boolean;
  /** pgvector's `hnsw.ef_search` (default 100; at most 1000): more is slower and closer to exact. */
  efSearch?: number;
  /** Connections of the pool created from a connection string or config (default 4). */
  maxConnections?: number;
  /** Rows per INSERT statement of `enrollMany` (default 1,000; 1 inserts row by row). */
  insertBatch?: number;
}

function vectorLiteral(v: Float32Array): string {
  return `[${Array.from(v).join(',')}]`;
}

/**
 * pgvector's operator for a metric, and the conversion of its result to the metric's distance.
 *
 * @example
 * const { op, convert } = operatorFor('euclidean'); // '<->', identity
 */
export function operatorFor(metric: MetricName): { op: string; convert: (d: number) => number } {
  switch (metric) {
    case 'euclidean':
      return { op: '<->', convert: (d) => d };
    case 'cosine':
      return { op: '<=>', convert: (d) => d };
    case 'squared-l2':
      return { op: '<=>', convert: (d) => Math.max(0, 2 * d) };
    default:
      return { op: '<=>', convert: (d) => Math.sqrt(Math.max(0, 2 * d)) };
  }
}

/**
 * The same gallery API on PostgreSQL with pgvector, for galleries shared by many machines: writes are
 * transactions, `identify` is one `ORDER BY embedding <=> $1 LIMIT k` query (HNSW index by default), and the
 * k-NN vote is core's `voteLabel`.
 *
 * @example
 * const g = await PgGallery.connect('postgres://user@db.internal/faces', { embedder: 'dlib-resnet34', dim: 128 });
 * await g.enroll('ada', embedding);
 * const r = await g.identify(query, { k: 3 });
 * await g.close();
 */
export class PgGallery implements PersistentGallery, IngestStore, ClusteredGallery {
  private tableReady = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly ownsPool: boolean,
    private readonly table: string,
    private meta: { embedder?: string; dim?: number; weights?: string; metric: MetricName },
    private readonly options: PgGalleryOptions,
  ) {}

  /** Connects (a connection string, a pool config, or your own `pg.Pool`) and creates the schema if needed. */
  static async connect(
    connection: string | PgPoolConfigLike | PgPoolLike,
    options: PgGalleryOptions = {},
  ): Promise<PgGallery> {
    const table = options.table ?? 'facekit_faces';
    if (!/^[a-z_][a-z0-9_]{0,50}$/.test(table)) {
      throw new FaceKitError('E_CONFIG', `table must be a lower-case SQL identifier, got '${table}'`);
    }
    if (
      options.efSearch !== undefined &&
      !(Number.isInteger(options.efSearch) && options.efSearch >= 1 && options.efSearch <= 1000)
    ) {
      throw new FaceKitError('E_CONFIG', `efSearch must be an integer in 1..1000, got ${options.efSearch}`);
    }
    const { default: pgModule } = await importOptional('pg', 'the PostgreSQL gallery', () => import('pg'));
    const owns = !(connection instanceof pgModule.Pool);
    const pool =
      connection instanceof pgModule.Pool
        ? connection
        : new pgModule.Pool({
            ...(typeof connection === 'string' ? { connectionString: connection } : (connection as pg.PoolConfig)),
            max: options.maxConnections ?? 4,
          });
    const efSearch = options.efSearch ?? 100;
    if (owns) pool.on('connect', (c) => void c.query(`SET hnsw.ef_search = ${efSearch}`).catch(() => undefined));
    try {
      await pool.query('CREATE EXTENSION IF NOT EXISTS vector');
      await pool.query(`CREATE TABLE IF NOT EXISTS ${table}_meta (key text PRIMARY KEY, value text NOT NULL)`);
      const rows = (await pool.query(`SELECT key, value FROM ${table}_meta`)).rows as Array<{
        key: string;
        value: string;
      }>;
      const m = new Map(rows.map((r) => [r.key, r.value]));
      const stored = { embedder: m.get('embedder'), dim: m.has('dim') ? Number(m.get('dim')) : undefined };
      assertSameEmbedder(stored, options, `table ${table}`);
      const metric = (m.get('metric') ?? options.metric ?? 'cosine') as MetricName;
      assertMetric(metric);
      await pool.query(`INSERT INTO ${table}_meta (key, value) VALUES ('metric', $1) ON CONFLICT (key) DO NOTHING`, [
        metric,
      ]);
      const self = new PgGallery(
        pool,
        owns,
        table,
        {
          embedder: stored.embedder ?? options.embedder,
          dim: stored.dim ?? options.dim,
          weights: m.get(WEIGHTS_META_KEY),
          metric,
        },
        options,
      );
      if (stored.dim !== undefined) self.tableReady = true;
      return self;
    } catch (e) {
      if (owns) await pool.end();
      if (e instanceof FaceKitError) throw e;
      throw new FaceKitError('E_IO', `cannot open the PostgreSQL gallery: ${(e as Error).message}`, { cause: e });
    }
  }

  private checker(): Pick<Gallery, 'check'> {
    return { check: (e) => checkEmbedding(e, this.meta, `table ${this.table}`) };
  }

  private async ensureTable(client: pg.PoolClient, embedder: string, dim: number): Promise<void> {
    await client.query(
      `INSERT INTO ${this.table}_meta (key, value) VALUES ('embedder', $1), ('dim', $2) ON CONFLICT (key) DO NOTHING`,
      [embedder, String(dim)],
    );
    const m = new Map(
      (
        (await client.query(`SELECT key, value FROM ${this.table}_meta`)).rows as Array<{ key: string; value: string }>
      ).map((r) => [r.key, r.value]),
    );
    // Another client may have fixed the embedder first.
    assertSameEmbedder(
      { embedder: m.get('embedder'), dim: Number(m.get('dim')) },
      { embedder, dim },
      `table ${this.table}`,
    );
    if (this.tableReady) return;
    const t = this.table;
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t} (id bigserial PRIMARY KEY, label text NOT NULL, embedder text NOT NULL,
       embedding vector(${dim}) NOT NULL, source text, created_at timestamptz NOT NULL DEFAULT now())`,
    );
    await client.query(`CREATE INDEX IF NOT EXISTS ${t}_label ON ${t} (label)`);
    if (this.options.hnsw ?? true) await this.createHnsw(client);
  }

  /**
   * Runs `work` in one transaction on one pooled connection: committed when it returns, rolled back when it throws
   * (a non-FaceKitError becomes E_IO, "enrolment not saved").
   */
  private async enrolmentTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (e instanceof FaceKitError) throw e;
      throw new FaceKitError('E_IO', `enrolment not saved: ${(e as Error).message}`, { cause: e });
    } finally {
      client.release();
    }
  }

  /**
   * Checks that a batch was embedded with one set of weights and records that fingerprint in `<table>_meta` (first
   * writer wins), inside the caller's transaction; returns the batch's fingerprint.
   */
  private async recordBatchWeights(client: pg.PoolClient, items: readonly EnrollItem[]): Promise<string | undefined> {
    const where = `table ${this.table}`;
    const weights = batchWeights(
      items.map((it) => it.embedding),
      where,
    );
    await recordPgWeights(
      (q, v) => client.query(q, v),
      `${this.table}_meta`,
      items[0].embedding.embedder,
      weights,
      where,
    );
    return weights;
  }

  private async createHnsw(client: pg.PoolClient | pg.Pool): Promise<void> {
    const ops = this.meta.metric === 'euclidean' ? 'vector_l2_ops' : 'vector_cosine_ops';
    await client.query(`CREATE INDEX IF NOT EXISTS ${this.table}_hnsw ON ${this.table} USING hnsw (embedding ${ops})`);
  }

  /**
   * Builds the HNSW index now (a no-op when it exists) and returns the time in ms. For bulk enrolment, connect with
   * `hnsw: false`, enrol, then build: one build over all rows is several times faster than keeping the graph up to
   * date row by row (see the scaling guide). `maintenanceWorkMem` (default '256MB') should hold the whole graph.
   *
   * @example
   * const g = await PgGallery.connect(url, { hnsw: false });
   * await g.enrollMany(items);
   * await g.buildIndex();
   */
  async buildIndex(options: { maintenanceWorkMem?: string } = {}): Promise<number> {
    const t0 = performance.now();
    if (!this.tableReady) return 0;
    const mem = options.maintenanceWorkMem ?? '256MB';
    if (!/^\d+(kB|MB|GB)$/.test(mem))
      throw new FaceKitError('E_CONFIG', `maintenanceWorkMem must be like '256MB', got '${mem}'`);
    const client = await this.pool.connect();
    try {
      await client.query(`SET maintenance_work_mem = '${mem}'`);
      await this.createHnsw(client);
      await client.query('RESET maintenance_work_mem');
    } catch (e) {
      throw new FaceKitError('E_IO', `HNSW index not built: ${(e as Error).message}`, { cause: e });
    } finally {
      client.release();
    }
    return performance.now() - t0;
  }

  async info(): Promise<GalleryInfo> {
    const size = this.tableReady
      ? Number((await this.pool.query(`SELECT count(*) AS n FROM ${this.table}`)).rows[0].n)
      : 0;
    return {
      backend: 'postgres',
      embedder: this.meta.embedder,
      dim: this.meta.dim,
      weights: this.meta.weights,
      metric: this.meta.metric,
      size,
      index: (this.options.hnsw ?? true) ? 'pgvector-hnsw' : 'pgvector-scan',
    };
  }

  async enroll(label: string, embedding: Embedding, options: { source?: string } = {}): Promise<number> {
    return (await this.enrollMany([{ label, embedding, source: options.source }]))[0];
  }

  async enrollMany(items: readonly EnrollItem[]): Promise<number[]> {
    if (items.length === 0) return [];
    checkItems(items, this.checker());
    const { embedder, vector } = items[0].embedding;
    let weights: string | undefined;
    const ids = await this.enrolmentTransaction(async (client) => {
      await this.ensureTable(client, embedder, vector.length);
      weights = await this.recordBatchWeights(client, items);
      return insertRows(client, this.table, items, this.options.insertBatch);
    });
    this.tableReady = true;
    this.meta = { ...this.meta, embedder, dim: vector.length, weights: this.meta.weights ?? weights };
    return ids;
  }

  async remove(label: string): Promise<number> {
    if (!this.tableReady) return 0;
    return (await this.pool.query(`DELETE FROM ${this.table} WHERE label = $1`, [label])).rowCount ?? 0;
  }

  async removeId(id: number): Promise<boolean> {
    if (!this.tableReady) return false;
    return ((await this.pool.query(`DELETE FROM ${this.table} WHERE id = $1`, [id])).rowCount ?? 0) > 0;
  }

  async identify(query: Embedding, options: IdentifyOptions = {}): Promise<IdentifyResult> {
    this.checker().check(query);
    const metric = options.metric ?? this.meta.metric;
    assertMetric(metric);
    const k = options.k ?? 1;
    if (!Number.isInteger(k) || k < 1) throw new FaceKitError('E_CONFIG', `k must be an integer ≥ 1, got ${k}`);
    const threshold = options.threshold ?? resolveThreshold(this.options, this.meta.embedder, metric, this.meta.metric);
    if (!(threshold >= 0)) throw new FaceKitError('E_CONFIG', `threshold must be ≥ 0, got ${threshold}`);
    if (!this.tableReady) return { ...voteLabel([], threshold), threshold, metric, matches: [] };
    const { op, convert } = operatorFor(metric);
    const sql = `SELECT id, label, embedding ${op} $1 AS d FROM ${this.table} ORDER BY embedding ${op} $1 LIMIT $2`;
    const args = [vectorLiteral(query.vector), k];
    let rows: Array<{ id: string; label: string; d: number }>;
    if (options.exact) {
      // Exact: forbid the (approximate) index scan for this one query.
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SET LOCAL enable_indexscan = off');
        rows = (await client.query(sql, args)).rows;
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    } else {
      rows = (await this.pool.query(sql, args)).rows;
    }
    const matches = rows.map((r) => ({ id: Number(r.id), label: r.label, distance: convert(Number(r.d)) }));
    return { ...voteLabel(matches, threshold), threshold, metric, matches };
  }

  async labels(): Promise<Map<string, number>> {
    if (!this.tableReady) return new Map();
    const rows = (await this.pool.query(`SELECT label, count(*) AS n FROM ${this.table} GROUP BY label ORDER BY label`))
      .rows;
    return new Map(rows.map((r: { label: string; n: string }) => [r.label, Number(r.n)]));
  }

  /** `<table>_ingest`: per enrolled file its fingerprint, embedder identity, label and face ids. */
  private async ensureIngestTable(q: Pick<pg.PoolClient, 'query'>): Promise<void> {
    await q.query(
      `CREATE TABLE IF NOT EXISTS ${this.table}_ingest (path text PRIMARY KEY, size bigint NOT NULL,
       mtime_ms double precision NOT NULL, sha256 text NOT NULL, identity text NOT NULL, label text NOT NULL,
       face_ids bigint[] NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
    );
  }

  async ingestRecords(paths: readonly string[]): Promise<Map<string, StoredIngestRecord>> {
    const out = new Map<string, StoredIngestRecord>();
    if (paths.length === 0) return out;
    await this.ensureIngestTable(this.pool);
    const present = this.tableReady
      ? `(SELECT count(*) FROM ${this.table} f WHERE f.id = ANY(i.face_ids)) = cardinality(i.face_ids)`
      : 'cardinality(i.face_ids) = 0';
    const rows = (
      await this.pool.query(
        `SELECT i.path, i.size, i.mtime_ms, i.sha256, i.identity, i.label, i.face_ids, ${present} AS complete
         FROM ${this.table}_ingest i WHERE i.path = ANY($1)`,
        [paths],
      )
    ).rows as Array<{
      path: string;
      size: string;
      mtime_ms: number;
      sha256: string;
      identity: string;
      label: string;
      face_ids: string[];
      complete: boolean;
    }>;
    for (const r of rows) {
      out.set(r.path, {
        path: r.path,
        size: Number(r.size),
        mtimeMs: Number(r.mtime_ms),
        sha256: r.sha256,
        identity: r.identity,
        label: r.label,
        faceIds: r.face_ids.map(Number),
        complete: r.complete,
      });
    }
    return out;
  }

  async commitIngest(entries: readonly IngestEntry[]): Promise<number[][]> {
    const items = entries.flatMap((e) => e.faces ?? []);
    if (items.length > 0) checkItems(items, this.checker());
    const written = await this.enrolmentTransaction(async (client) => {
      await this.ensureIngestTable(client);
      if (items.length > 0) {
        const { embedder } = items[0].embedding;
        await this.ensureTable(client, embedder, items[0].embedding.vector.length);
        const weights = await this.recordBatchWeights(client, items);
        this.meta = { ...this.meta, weights: this.meta.weights ?? weights };
      }
      const out: number[][] = [];
      for (const { record: r, faces } of entries) {
        // Serialises writers of the same file (another process enrolling the same folder): the later one replaces.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.table}:${r.path}`]);
        const old = (await client.query(`SELECT face_ids FROM ${this.table}_ingest WHERE path = $1`, [r.path]))
          .rows[0] as { face_ids: string[] } | undefined;
        let ids = (old?.face_ids ?? []).map(Number);
        if (faces) {
          if (ids.length > 0 && (this.tableReady || items.length > 0)) {
            await client.query(`DELETE FROM ${this.table} WHERE id = ANY($1)`, [ids]);
          }
          ids = [];
          for (const f of faces) {
            const res = await client.query(
              `INSERT INTO ${this.table} (label, embedder, embedding, source) VALUES ($1, $2, $3, $4) RETURNING id`,
              [f.label, f.embedding.embedder, vectorLiteral(f.embedding.vector), f.source ?? null],
            );
            ids.push(Number(res.rows[0].id));
          }
        }
        await client.query(
          `INSERT INTO ${this.table}_ingest (path, size, mtime_ms, sha256, identity, label, face_ids)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms,
           sha256 = excluded.sha256, identity = excluded.identity, label = excluded.label,
           face_ids = excluded.face_ids, updated_at = now()`,
          [r.path, r.size, r.mtimeMs, r.sha256, r.identity, r.label, ids],
        );
        out.push(ids);
      }
      return out;
    });
    if (items.length > 0) {
      this.tableReady = true;
      this.meta = { ...this.meta, embedder: items[0].embedding.embedder, dim: items[0].embedding.vector.length };
    }
    return written;
  }

  /**
   * The gallery's cluster ids (`<table>_clusters`), for `updateGalleryClusters` / `facekit cluster --db`.
   *
   * @example
   * await updateGalleryClusters(g.clusterStore(), { threshold: 0.12 });
   */
  clusterStore(): GalleryClusterStore {
    return new PgClusterStore({
      pool: this.pool,
      table: this.table,
      metric: this.meta.metric,
      efSearch: this.options.efSearch ?? 100,
      operator: operatorFor(this.meta.metric),
    });
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}
