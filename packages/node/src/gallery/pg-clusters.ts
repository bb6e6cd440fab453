import type { Embedding, MetricName } from '@facekit/core';
import type pg from 'pg';
import type { GalleryClusterStore } from './gallery-clusters.js';

/** pgvector's `hnsw.ef_search` ceiling: a search for more neighbours than this runs exactly. */
const MAX_EF_SEARCH = 1000;

/**
 * How the PostgreSQL gallery's cluster store reaches its table.
 *
 * @example
 * const s = new PgClusterStore({ pool, table: 'facekit_faces', metric: 'cosine', efSearch: 100, operator });
 */
export interface PgClusterStoreOptions {
  pool: pg.Pool;
  table: string;
  metric: MetricName;
  efSearch: number;
  /** pgvector's operator for the metric, and the conversion of its value to the metric's distance. */
  operator: { op: string; convert: (d: number) => number };
}

/**
 * Cluster ids of a PostgreSQL gallery in `<table>_clusters` (face id → cluster id, rows deleted with their face),
 * created on first use so galleries made before it gain it without a migration step; nearest faces from pgvector.
 *
 * @example
 * const store = (await PgGallery.connect(url)).clusterStore();
 */
export class PgClusterStore implements GalleryClusterStore {
  readonly metric: MetricName;
  private ready: Promise<boolean> | undefined;

  constructor(private readonly o: PgClusterStoreOptions) {
    this.metric = o.metric;
  }

  private get t(): string {
    return this.o.table;
  }

  /** Whether the faces table exists (a gallery with no enrolment has none); creates the cluster table beside it. */
  private async prepare(): Promise<boolean> {
    this.ready ??= (async () => {
      const r = await this.o.pool.query('SELECT to_regclass($1) AS t', [this.t]);
      if (r.rows[0].t === null) {
        this.ready = undefined; // the first enrolment may create it later
        return false;
      }
      await this.o.pool.query(
        `CREATE TABLE IF NOT EXISTS ${this.t}_clusters (face_id bigint PRIMARY KEY REFERENCES ${this.t} (id) ON DELETE CASCADE, cluster bigint NOT NULL)`,
      );
      await this.o.pool.query(`CREATE INDEX IF NOT EXISTS ${this.t}_clusters_cluster ON ${this.t}_clusters (cluster)`);
      return true;
    })();
    return this.ready;
  }

  async size(): Promise<number> {
    if (!(await this.prepare())) return 0;
    return Number((await this.o.pool.query(`SELECT count(*) AS n FROM ${this.t}`)).rows[0].n);
  }

  async load(): Promise<Array<[number, number]>> {
    if (!(await this.prepare())) return [];
    const rows = (await this.o.pool.query(`SELECT face_id, cluster FROM ${this.t}_clusters`)).rows as Array<{
      face_id: string;
      cluster: string;
    }>;
    return rows.map((r) => [Number(r.face_id), Number(r.cluster)]);
  }

  private async page(
    where: string,
    afterId: number,
    limit: number,
  ): Promise<Array<{ id: number; embedding: Embedding }>> {
    if (!(await this.prepare())) return [];
    const rows = (
      await this.o.pool.query(
        `SELECT f.id, f.embedder, f.embedding::text AS v FROM ${this.t} f ${where} f.id > $1 ORDER BY f.id LIMIT $2`,
        [afterId, limit],
      )
    ).rows as Array<{ id: string; embedder: string; v: string }>;
    // pgvector's text form is a JSON array.
    return rows.map((r) => ({
      id: Number(r.id),
      embedding: { vector: Float32Array.from(JSON.parse(r.v) as number[]), embedder: r.embedder },
    }));
  }

  unclustered(afterId: number, limit: number): Promise<Array<{ id: number; embedding: Embedding }>> {
    return this.page(`LEFT JOIN ${this.t}_clusters c ON c.face_id = f.id WHERE c.face_id IS NULL AND`, afterId, limit);
  }

  faces(afterId: number, limit: number): Promise<Array<{ id: number; embedding: Embedding }>> {
    return this.page('WHERE', afterId, limit);
  }

  async nearest(embedding: Embedding, k: number): Promise<Array<{ id: number; distance: number }>> {
    const { op, convert } = this.o.operator;
    const client = await this.o.pool.connect();
    try {
      await client.query('BEGIN');
      // The HNSW scan returns at most ef_search rows: widen it for large k, search exactly beyond its ceiling.
      if (k > MAX_EF_SEARCH) await client.query('SET LOCAL enable_indexscan = off');
      else await client.query(`SET LOCAL hnsw.ef_search = ${Math.max(this.o.efSearch, k)}`);
      const rows = (
        await client.query(`SELECT id, embedding ${op} $1 AS d FROM ${this.t} ORDER BY embedding ${op} $1 LIMIT $2`, [
          `[${Array.from(embedding.vector).join(',')}]`,
          k,
        ])
      ).rows as Array<{ id: string; d: number }>;
      await client.query('COMMIT');
      return rows.map((r) => ({ id: Number(r.id), distance: convert(Number(r.d)) }));
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  private async write(
    replace: boolean,
    assign: ReadonlyArray<readonly [number, number]>,
    merges: ReadonlyArray<readonly [number, number]>,
  ): Promise<void> {
    if (!(await this.prepare())) return;
    const client = await this.o.pool.connect();
    try {
      await client.query('BEGIN');
      if (replace) await client.query(`DELETE FROM ${this.t}_clusters`);
      for (const [from, into] of merges) {
        await client.query(`UPDATE ${this.t}_clusters SET cluster = $1 WHERE cluster = $2`, [into, from]);
      }
      // One statement per batch; a face deleted meanwhile is skipped by the join, not an error.
      await client.query(
        `INSERT INTO ${this.t}_clusters (face_id, cluster)
         SELECT a.id, a.c FROM unnest($1::bigint[], $2::bigint[]) AS a (id, c) JOIN ${this.t} f ON f.id = a.id
         ON CONFLICT (face_id) DO UPDATE SET cluster = EXCLUDED.cluster`,
        [assign.map((a) => a[0]), assign.map((a) => a[1])],
      );
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  save(
    assign: ReadonlyArray<readonly [number, number]>,
    merges: ReadonlyArray<readonly [number, number]>,
  ): Promise<void> {
    return this.write(false, assign, merges);
  }

  replaceAll(assign: ReadonlyArray<readonly [number, number]>): Promise<void> {
    return this.write(true, assign, []);
  }
}
