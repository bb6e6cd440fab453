// The weights fingerprint of a persistent gallery (Embedding.weights), kept under the key 'weights' of its
// existing meta table: the first enrolment that carries one fixes it, and every later one must match.
import { assertSameWeights, type Embedding } from '@facekit/core';

/** The meta-table key of the fingerprint. */
export const WEIGHTS_META_KEY = 'weights';

/**
 * The one weights fingerprint of an enrolment batch (undefined when none carries one); E_EMBEDDING_MISMATCH when
 * the batch mixes two.
 *
 * @example
 * const weights = batchWeights(items.map((it) => it.embedding), 'table facekit_faces');
 */
export function batchWeights(embeddings: readonly Embedding[], where: string): string | undefined {
  const weights = embeddings.find((e) => e.weights)?.weights;
  for (const e of embeddings) assertSameWeights(where, e.embedder, weights, e.weights);
  return weights;
}

/**
 * Records a batch's fingerprint in a PostgreSQL gallery's meta table (first writer wins), then checks the stored
 * one, which another client may have written first.
 *
 * @example
 * await recordPgWeights((q, v) => client.query(q, v), 'facekit_faces_meta', 'facenet', weights, 'table facekit_faces');
 */
export async function recordPgWeights(
  query: (text: string, values: unknown[]) => Promise<{ rows: unknown[] }>,
  metaTable: string,
  embedder: string,
  weights: string | undefined,
  where: string,
): Promise<void> {
  if (weights === undefined) return;
  await query(`INSERT INTO ${metaTable} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [
    WEIGHTS_META_KEY,
    weights,
  ]);
  const { rows } = await query(`SELECT value FROM ${metaTable} WHERE key = $1`, [WEIGHTS_META_KEY]);
  assertSameWeights(where, embedder, (rows[0] as { value?: string } | undefined)?.value, weights);
}
