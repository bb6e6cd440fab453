import { FaceKitError } from '@facekit/core';
import type pg from 'pg';
import type { EnrollItem } from './backend.js';

/**
 * Rows per INSERT statement unless told otherwise.
 *
 * @example
 * await PgGallery.connect(url, { insertBatch: DEFAULT_INSERT_BATCH });
 */
export const DEFAULT_INSERT_BATCH = 1000;

/**
 * Inserts faces in statements of `batch` rows (inside the caller's transaction) and returns their ids in input
 * order. The ids are drawn from the table's sequence first and inserted explicitly, so the order is certain
 * (RETURNING's row order is not promised by PostgreSQL) and concurrent writers never collide. Each batch is one
 * `INSERT … SELECT FROM unnest(arrays)`: a fixed four parameters whatever the batch size. COPY would be faster
 * still on a full PostgreSQL server, but COPY FROM STDIN does not pass through PGlite's socket server (see the
 * scaling guide), and batches keep one code path for both.
 *
 * @example
 * const ids = await insertRows(client, 'facekit_faces', items, 1000);
 */
export async function insertRows(
  client: pg.PoolClient,
  table: string,
  items: readonly EnrollItem[],
  batch = DEFAULT_INSERT_BATCH,
): Promise<number[]> {
  if (!Number.isInteger(batch) || batch < 1) {
    throw new FaceKitError('E_CONFIG', `insertBatch must be an integer ≥ 1, got ${batch}`);
  }
  const ids: number[] = [];
  for (let start = 0; start < items.length; start += batch) {
    const part = items.slice(start, start + batch);
    const drawn = (
      await client.query(`SELECT nextval(pg_get_serial_sequence($1, 'id')) AS id FROM generate_series(1, $2)`, [
        table,
        part.length,
      ])
    ).rows.map((r: { id: string }) => Number(r.id));
    await client.query(
      `INSERT INTO ${table} (id, label, embedder, embedding, source)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::vector[], $5::text[])`,
      [
        drawn,
        part.map((it) => it.label),
        part.map((it) => it.embedding.embedder),
        part.map((it) => `[${Array.from(it.embedding.vector).join(',')}]`),
        part.map((it) => it.source ?? null),
      ],
    );
    ids.push(...drawn);
  }
  return ids;
}
