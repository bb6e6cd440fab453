import {
  type Embedding,
  FaceKitError,
  Gallery,
  type IdentifyOptions,
  type IdentifyResult,
  type IndexChoice,
  type MetricName,
  assertMetric,
  type VectorIndexFactory,
} from '@facekit/core';
import type Database from 'better-sqlite3';
import {
  assertSameEmbedder,
  type EnrollItem,
  type GalleryInfo,
  type PersistentGallery,
  type PersistentGalleryOptions,
  resolveThreshold,
} from './backend.js';
import type { IngestEntry, IngestStore, StoredIngestRecord } from './ingest.js';
import { batchWeights, WEIGHTS_META_KEY } from './weights-meta.js';
import type { ClusteredGallery, GalleryClusterStore } from './gallery-clusters.js';
import { importOptional } from './optional-deps.js';
import { SqliteClusterStore } from './sqlite-clusters.js';

/**
 * Options of the SQLite gallery.
 *
 * @example
 * const g = await SqliteGallery.open('faces.db', { index: 'auto' } satisfies SqliteGalleryOptions);
 */
export interface SqliteGalleryOptions extends PersistentGalleryOptions {
  /** Index choice of the in-memory search (default 'auto': exact below `annMinSize` faces, the ANN index above). */
  index?: IndexChoice;
  /**
   * The approximate index (default core's PQ fast-scan index; `usearchIndexFactory()` for HNSW, which pays off
   * beyond a few million faces); false for exact only.
   */
  ann?: VectorIndexFactory | false;
  annMinSize?: number;
  /**
   * 'FULL' (default) syncs the WAL on every commit: a commit survives a power cut. 'NORMAL' survives a killed
   * process but may lose the last commits on a power cut; it is several times faster for one-by-one enrolment.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** Open an existing file without writing (identify only). */
  readonly?: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS facekit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS facekit_faces (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  label TEXT NOT NULL,
  embedder TEXT NOT NULL,
  vector BLOB NOT NULL,
  source TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS facekit_faces_label ON facekit_faces (label);
`;
const SCHEMA_VERSION = '1';
/** Per enrolled file (`enroll --dir`): its fingerprint, embedder identity, label and the ids of its faces (JSON). */
const INGEST_SCHEMA = `
CREATE TABLE IF NOT EXISTS facekit_ingest (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  sha256 TEXT NOT NULL,
  identity TEXT NOT NULL,
  label TEXT NOT NULL,
  face_ids TEXT NOT NULL,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) WITHOUT ROWID;
`;
interface IngestRow {
  path: string;
  size: number;
  mtime_ms: number;
  sha256: string;
  identity: string;
  label: string;
  face_ids: string;
}
/** Rows handed to the in-memory index at once while loading. */
const LOAD_CHUNK = 10_000;

/**
 * Float32 little-endian bytes of a vector (a copy).
 *
 * @example
 * const blob = vectorToBlob(embedding.vector); // Buffer of 4 × dim bytes
 */
export function vectorToBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/**
 * A vector from its blob; a blob of the wrong length means a damaged row.
 *
 * @example
 * const vector = blobToVector(row.vector, 128, row.id);
 */
export function blobToVector(b: Uint8Array, dim: number, id: number): Float32Array {
  if (b.byteLength !== dim * 4) {
    throw new FaceKitError('E_IO', `gallery row ${id} has a ${b.byteLength}-byte vector, expected ${dim * 4}`);
  }
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/**
 * Checks labels and embeddings before anything is written (the gallery's own checks, plus agreement among them).
 *
 * @example
 * checkItems([{ label: 'ada', embedding }], new Gallery()); // E_INPUT / E_EMBEDDING_MISMATCH before any write
 */
export function checkItems(items: readonly EnrollItem[], gallery: Pick<Gallery, 'check'>): void {
  const first = items[0].embedding;
  for (const it of items) {
    if (typeof it.label !== 'string' || it.label === '') {
      throw new FaceKitError('E_INPUT', 'a label must be a non-empty string');
    }
    gallery.check(it.embedding);
    if (it.embedding.embedder !== first.embedder || it.embedding.vector.length !== first.vector.length) {
      throw new FaceKitError('E_EMBEDDING_MISMATCH', 'the embeddings enrolled together differ in embedder or dim');
    }
  }
}

/**
 * A gallery in one SQLite file (WAL mode, one transaction per write): every committed enrolment survives a crash.
 * Loaded into an in-memory {@link Gallery} on open; searches run there (exact, or an approximate index for large
 * ones).
 * One writing process at a time: other processes see new faces when they reopen the file.
 *
 * @example
 * const g = await SqliteGallery.open('faces.db', { embedder: 'dlib-resnet34', dim: 128 });
 * await g.enroll('ada', embedding, { source: 'ada.jpg' });
 * (await g.identify(query)).label;
 * await g.close();
 */
export class SqliteGallery implements PersistentGallery, IngestStore, ClusteredGallery {
  private constructor(
    private readonly db: Database.Database,
    private readonly gallery: Gallery,
    private readonly options: SqliteGalleryOptions,
    readonly path: string,
  ) {}

  static async open(path: string, options: SqliteGalleryOptions = {}): Promise<SqliteGallery> {
    const { default: Sqlite } = await importOptional(
      'better-sqlite3',
      'the SQLite gallery',
      () => import('better-sqlite3'),
    );
    let db: Database.Database;
    try {
      db = new Sqlite(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    } catch (cause) {
      throw new FaceKitError('E_IO', `cannot open gallery ${path}: ${(cause as Error).message}`, { cause });
    }
    try {
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        db.exec(SCHEMA);
      }
      db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
      const meta = new Map(
        (db.prepare('SELECT key, value FROM facekit_meta').all() as Array<{ key: string; value: string }>).map((r) => [
          r.key,
          r.value,
        ]),
      );
      const stored = { embedder: meta.get('embedder'), dim: meta.has('dim') ? Number(meta.get('dim')) : undefined };
      assertSameEmbedder(stored, options, `gallery ${path}`);
      const metric = (meta.get('metric') ?? options.metric ?? 'cosine') as MetricName;
      assertMetric(metric);
      if (!options.readonly && !meta.has('schema')) {
        db.prepare('INSERT OR IGNORE INTO facekit_meta (key, value) VALUES (?, ?), (?, ?)').run(
          'schema',
          SCHEMA_VERSION,
          'metric',
          metric,
        );
      }
      const embedder = stored.embedder ?? options.embedder;
      const gallery = new Gallery({
        embedder,
        dim: stored.dim ?? options.dim,
        weights: meta.get(WEIGHTS_META_KEY),
        metric,
        threshold: options.threshold,
        thresholds: options.thresholds,
        index: options.index,
        ann: options.ann,
        annMinSize: options.annMinSize,
      });
      const self = new SqliteGallery(db, gallery, options, path);
      self.load(stored.dim);
      return self;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  private load(dim: number | undefined): void {
    if (dim === undefined) return;
    let chunk: Array<{ id: number; label: string; embedding: Embedding }> = [];
    const flush = () => {
      this.gallery.enrollMany(chunk);
      chunk = [];
    };
    const rows = this.db
      .prepare('SELECT id, label, embedder, vector FROM facekit_faces ORDER BY id')
      .iterate() as Iterable<{
      id: number;
      label: string;
      embedder: string;
      vector: Buffer;
    }>;
    for (const r of rows) {
      chunk.push({
        id: r.id,
        label: r.label,
        embedding: { vector: blobToVector(r.vector, dim, r.id), embedder: r.embedder },
      });
      if (chunk.length >= LOAD_CHUNK) flush();
    }
    if (chunk.length > 0) flush();
  }

  async info(): Promise<GalleryInfo> {
    return {
      backend: 'sqlite',
      embedder: this.gallery.embedder,
      dim: this.gallery.dim,
      weights: this.gallery.weights,
      metric: this.gallery.metric,
      size: this.gallery.size,
      index: this.gallery.activeIndex,
    };
  }

  async enroll(label: string, embedding: Embedding, options: { source?: string } = {}): Promise<number> {
    return (await this.enrollMany([{ label, embedding, source: options.source }]))[0];
  }

  async enrollMany(items: readonly EnrollItem[]): Promise<number[]> {
    if (items.length === 0) return [];
    checkItems(items, this.gallery);
    const first = items[0].embedding;
    const insertMeta = this.db.prepare('INSERT OR IGNORE INTO facekit_meta (key, value) VALUES (?, ?)');
    const insert = this.db.prepare('INSERT INTO facekit_faces (label, embedder, vector, source) VALUES (?, ?, ?, ?)');
    let ids: number[] = [];
    const write = this.db.transaction(() => {
      insertMeta.run('embedder', first.embedder);
      insertMeta.run('dim', String(first.vector.length));
      ids = items.map((it) =>
        Number(
          insert.run(it.label, it.embedding.embedder, vectorToBlob(it.embedding.vector), it.source ?? null)
            .lastInsertRowid,
        ),
      );
      // Last inside the transaction: a refused embedding (mismatch, NaN) rolls the rows back.
      this.gallery.enrollMany(items.map((it, i) => ({ label: it.label, embedding: it.embedding, id: ids[i] })));
      if (this.gallery.weights) insertMeta.run(WEIGHTS_META_KEY, this.gallery.weights);
    });
    try {
      write.immediate();
    } catch (e) {
      // The commit itself failed (disk full, I/O): undo the in-memory enrolment too.
      for (const id of ids) this.gallery.removeId(id);
      throw e instanceof FaceKitError
        ? e
        : new FaceKitError('E_IO', `enrolment not saved: ${(e as Error).message}`, { cause: e });
    }
    return ids;
  }

  async remove(label: string): Promise<number> {
    const rows = this.db.prepare('DELETE FROM facekit_faces WHERE label = ? RETURNING id').all(label) as Array<{
      id: number;
    }>;
    for (const r of rows) this.gallery.removeId(r.id);
    return rows.length;
  }

  async removeId(id: number): Promise<boolean> {
    const n = this.db.prepare('DELETE FROM facekit_faces WHERE id = ?').run(id).changes;
    this.gallery.removeId(id);
    return n > 0;
  }

  async identify(query: Embedding, options: IdentifyOptions = {}): Promise<IdentifyResult> {
    const metric = options.metric ?? this.gallery.metric;
    const threshold =
      options.threshold ?? resolveThreshold(this.options, this.gallery.embedder, metric, this.gallery.metric);
    return this.gallery.identify(query, { ...options, metric, threshold });
  }

  async labels(): Promise<Map<string, number>> {
    return this.gallery.labels();
  }

  /** The in-memory gallery (for batch identification with `identifyMany`). */
  get memory(): Gallery {
    return this.gallery;
  }

  /**
   * The gallery's cluster ids (table `facekit_clusters`, added to older files on first use), for
   * `updateGalleryClusters` / `facekit cluster --db`.
   *
   * @example
   * await updateGalleryClusters(g.clusterStore(), { threshold: 0.12 });
   */
  clusterStore(): GalleryClusterStore {
    return new SqliteClusterStore(this.db, this.gallery);
  }

  /** SQLite's own consistency check: 'ok' for a sound file. */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check') as Array<{ integrity_check: string }>)
      .map((r) => r.integrity_check)
      .join('\n');
  }

  /** Creates the ingest table on first use (a gallery never used by `enroll --dir` does not get one). */
  private ingestTable(): boolean {
    const exists = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'facekit_ingest'")
      .get();
    if (exists || this.options.readonly) return exists !== undefined;
    this.db.exec(INGEST_SCHEMA);
    return true;
  }

  async ingestRecords(paths: readonly string[]): Promise<Map<string, StoredIngestRecord>> {
    const out = new Map<string, StoredIngestRecord>();
    if (!this.ingestTable()) return out;
    const get = this.db.prepare(
      'SELECT path, size, mtime_ms, sha256, identity, label, face_ids FROM facekit_ingest WHERE path = ?',
    );
    for (const path of paths) {
      const r = get.get(path) as IngestRow | undefined;
      if (!r) continue;
      const faceIds = JSON.parse(r.face_ids) as number[];
      out.set(path, {
        path: r.path,
        size: r.size,
        mtimeMs: r.mtime_ms,
        sha256: r.sha256,
        identity: r.identity,
        label: r.label,
        faceIds,
        complete: faceIds.every((id) => this.gallery.labelOfId(id) !== undefined),
      });
    }
    return out;
  }

  async commitIngest(entries: readonly IngestEntry[]): Promise<number[][]> {
    const items = entries.flatMap((e) => e.faces ?? []);
    if (items.length > 0) checkItems(items, this.gallery);
    // The weights fingerprint is recorded as enrollMany does (a batch of two fingerprints is refused before writing).
    const weights = batchWeights(
      items.map((it) => it.embedding),
      'this enrolment',
    );
    this.ingestTable();
    const getIds = this.db.prepare('SELECT face_ids FROM facekit_ingest WHERE path = ?');
    const del = this.db.prepare('DELETE FROM facekit_faces WHERE id = ?');
    const insert = this.db.prepare('INSERT INTO facekit_faces (label, embedder, vector, source) VALUES (?, ?, ?, ?)');
    const insertMeta = this.db.prepare('INSERT OR IGNORE INTO facekit_meta (key, value) VALUES (?, ?)');
    const upsert = this.db.prepare(
      `INSERT INTO facekit_ingest (path, size, mtime_ms, sha256, identity, label, face_ids) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, sha256 = excluded.sha256,
       identity = excluded.identity, label = excluded.label, face_ids = excluded.face_ids,
       updated_at = excluded.updated_at`,
    );
    const removed: number[] = [];
    const added: Array<{ label: string; embedding: Embedding; id: number }> = [];
    const write = this.db.transaction(() => {
      if (items.length > 0) {
        insertMeta.run('embedder', items[0].embedding.embedder);
        insertMeta.run('dim', String(items[0].embedding.vector.length));
        if (weights) insertMeta.run(WEIGHTS_META_KEY, weights);
      }
      return entries.map(({ record: r, faces }) => {
        const old = getIds.get(r.path) as { face_ids: string } | undefined;
        const oldIds = old ? (JSON.parse(old.face_ids) as number[]) : [];
        let ids = oldIds;
        if (faces) {
          for (const id of oldIds) if (del.run(id).changes > 0) removed.push(id);
          ids = faces.map((f) => {
            const id = Number(
              insert.run(f.label, f.embedding.embedder, vectorToBlob(f.embedding.vector), f.source ?? null)
                .lastInsertRowid,
            );
            added.push({ label: f.label, embedding: f.embedding, id });
            return id;
          });
        }
        upsert.run(r.path, r.size, r.mtimeMs, r.sha256, r.identity, r.label, JSON.stringify(ids));
        return ids;
      });
    });
    let ids: number[][];
    try {
      ids = write.immediate();
    } catch (e) {
      throw new FaceKitError('E_IO', `enrolment not saved: ${(e as Error).message}`, { cause: e });
    }
    // The file is committed; the in-memory index follows (the items were checked above).
    for (const id of removed) this.gallery.removeId(id);
    if (added.length > 0) this.gallery.enrollMany(added);
    return ids;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
    this.gallery.dispose();
  }
}
