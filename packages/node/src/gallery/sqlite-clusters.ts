import type { Embedding, Gallery } from '@facekit/core';
import type Database from 'better-sqlite3';
import type { GalleryClusterStore } from './gallery-clusters.js';
import { blobToVector } from './sqlite-gallery.js';

/**
 * The cluster table of a SQLite gallery, created on first use: an older gallery file gains it without any other
 * change. A row per clustered face; rows of removed faces are ignored and dropped on the next write.
 */
const CLUSTER_SCHEMA = `
CREATE TABLE IF NOT EXISTS facekit_clusters (face_id INTEGER PRIMARY KEY, cluster INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS facekit_clusters_cluster ON facekit_clusters (cluster);
`;

type FaceRow = { id: number; embedder: string; vector: Buffer };

/**
 * Cluster ids of a SQLite gallery: stored in `facekit_clusters`, searched in the gallery's in-memory index.
 *
 * @example
 * const store = new SqliteClusterStore(db, memoryGallery); // what SqliteGallery.clusterStore() returns
 */
export class SqliteClusterStore implements GalleryClusterStore {
  readonly metric;

  constructor(
    private readonly db: Database.Database,
    private readonly gallery: Gallery,
  ) {
    this.metric = gallery.metric;
    if (!db.readonly) db.exec(CLUSTER_SCHEMA);
  }

  private hasTable(): boolean {
    return (
      this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'facekit_clusters'").get() !==
      undefined
    );
  }

  async size(): Promise<number> {
    return this.gallery.size;
  }

  async load(): Promise<Array<[number, number]>> {
    if (!this.hasTable()) return [];
    // Faces removed since the last run leave their rows behind (no foreign keys in the gallery file): drop them.
    if (!this.db.readonly)
      this.db.exec('DELETE FROM facekit_clusters WHERE face_id NOT IN (SELECT id FROM facekit_faces)');
    const rows = this.db
      .prepare(
        'SELECT c.face_id AS id, c.cluster AS cluster FROM facekit_clusters c JOIN facekit_faces f ON f.id = c.face_id',
      )
      .raw()
      .all() as Array<[number, number]>;
    return rows;
  }

  private page(sql: string, afterId: number, limit: number): Array<{ id: number; embedding: Embedding }> {
    const dim = this.gallery.dim;
    if (dim === undefined) return [];
    return (this.db.prepare(sql).all(afterId, limit) as FaceRow[]).map((r) => ({
      id: r.id,
      embedding: { vector: blobToVector(r.vector, dim, r.id), embedder: r.embedder },
    }));
  }

  async unclustered(afterId: number, limit: number): Promise<Array<{ id: number; embedding: Embedding }>> {
    if (!this.hasTable()) return this.faces(afterId, limit);
    return this.page(
      `SELECT f.id, f.embedder, f.vector FROM facekit_faces f LEFT JOIN facekit_clusters c ON c.face_id = f.id
       WHERE c.face_id IS NULL AND f.id > ? ORDER BY f.id LIMIT ?`,
      afterId,
      limit,
    );
  }

  async faces(afterId: number, limit: number): Promise<Array<{ id: number; embedding: Embedding }>> {
    return this.page('SELECT id, embedder, vector FROM facekit_faces WHERE id > ? ORDER BY id LIMIT ?', afterId, limit);
  }

  async nearest(embedding: Embedding, k: number): Promise<Array<{ id: number; distance: number }>> {
    return this.gallery.nearest(embedding, k, this.metric);
  }

  private write(
    replace: boolean,
    assign: ReadonlyArray<readonly [number, number]>,
    merges: ReadonlyArray<readonly [number, number]>,
  ): void {
    const relabel = this.db.prepare('UPDATE facekit_clusters SET cluster = ? WHERE cluster = ?');
    const insert = this.db.prepare('INSERT OR REPLACE INTO facekit_clusters (face_id, cluster) VALUES (?, ?)');
    this.db
      .transaction(() => {
        if (replace) this.db.exec('DELETE FROM facekit_clusters');
        for (const [from, into] of merges) relabel.run(into, from);
        for (const [id, cluster] of assign) insert.run(id, cluster);
      })
      .immediate();
  }

  async save(
    assign: ReadonlyArray<readonly [number, number]>,
    merges: ReadonlyArray<readonly [number, number]>,
  ): Promise<void> {
    this.write(false, assign, merges);
  }

  async replaceAll(assign: ReadonlyArray<readonly [number, number]>): Promise<void> {
    this.write(true, assign, []);
  }
}
