// Resumable, crash-safe enrolment of files: what was enrolled from which file, by which embedder, so that a re-run
// skips it and a killed run resumes. The galleries store the records (facekit_ingest) in the transaction that
// stores the file's faces, so a file is either enrolled and recorded, or neither.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { type EmbedderSpec, FaceKitError } from '@facekit/core';
import type { EnrollItem } from './backend.js';

/**
 * A file as it is on disk: absolute path, size, modification time and SHA-256 of its bytes.
 *
 * @example
 * const fp: FileFingerprint = await fingerprintFile('people/ada/1.jpg');
 */
export interface FileFingerprint {
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

/**
 * What a gallery remembers of one enrolled file: its fingerprint, the embedder identity and label it was enrolled
 * with, and the ids of the faces it gave.
 *
 * @example
 * const rec: IngestRecord = { ...fp, identity: 'dlib-resnet34', label: 'ada', faceIds: [12] };
 */
export interface IngestRecord extends FileFingerprint {
  identity: string;
  label: string;
  faceIds: number[];
}

/**
 * A stored record, with whether all its faces are still in the gallery (a face removed since makes the file due
 * again).
 *
 * @example
 * const done = (await gallery.ingestRecords([path])).get(path)?.complete;
 */
export type StoredIngestRecord = IngestRecord & { complete: boolean };

/**
 * One file's write: its record and its faces, which replace the faces of its earlier record. Without `faces` only
 * the record's size and time change (same bytes, touched file) and its faces stay.
 *
 * @example
 * await gallery.commitIngest([{ record, faces: [{ label: 'ada', embedding, source: path }] }]);
 */
export interface IngestEntry {
  record: Omit<IngestRecord, 'faceIds'>;
  faces?: EnrollItem[];
}

/**
 * The ingest records of a gallery (SQLite, PostgreSQL): looked up by absolute path, written together with the faces.
 *
 * @example
 * const store: IngestStore = await openGallery('faces.db');
 */
export interface IngestStore {
  /** The records of these absolute paths (absent paths are missing from the map). */
  ingestRecords(paths: readonly string[]): Promise<Map<string, StoredIngestRecord>>;
  /**
   * Writes every entry in ONE transaction: the faces of an entry's earlier record are removed, its new faces
   * inserted, its record written. Resolves to each entry's face ids.
   */
  commitIngest(entries: readonly IngestEntry[]): Promise<number[][]>;
}

/**
 * The identity of an embedder for ingest records: its name, plus the weights file (name and SHA-256 prefix) when
 * one was given explicitly. One place to extend when galleries record a weights fingerprint.
 *
 * @example
 * await embedderIdentity({ embedder: spec }); // 'dlib-resnet34'
 * await embedderIdentity({ embedder: spec, weightsPath: 'facenet.h5' }); // 'facenet@facenet.h5:3f2a…'
 */
export async function embedderIdentity(pipeline: { embedder: EmbedderSpec; weightsPath?: string }): Promise<string> {
  if (pipeline.weightsPath === undefined) return pipeline.embedder.name;
  const { sha256 } = await fingerprintFile(pipeline.weightsPath);
  return `${pipeline.embedder.name}@${basename(pipeline.weightsPath)}:${sha256.slice(0, 16)}`;
}

/**
 * Stats and hashes a file (streamed: memory stays flat for any size). Time grows with the file's bytes
 * (SHA-256 runs at several hundred MB/s, far below the cost of embedding an image).
 *
 * @example
 * const { size, mtimeMs, sha256 } = await fingerprintFile('a.jpg');
 */
export async function fingerprintFile(path: string): Promise<FileFingerprint> {
  const abs = resolve(path);
  try {
    const s = await stat(abs);
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
    return { path: abs, size: s.size, mtimeMs: s.mtimeMs, sha256: hash.digest('hex') };
  } catch (cause) {
    throw new FaceKitError('E_IO', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * What to do with a file given its stored record: 'skip' (enrolled from these bytes, by this embedder, under this
 * label, faces all present), 'touch' (same bytes, only size/time metadata changed: update the record, keep the
 * faces) or 'embed' (new, changed, other embedder or label, or faces removed since: embed and replace).
 *
 * @example
 * ingestAction(records.get(fp.path), fp, 'dlib-resnet34', 'ada'); // 'skip' on a re-run
 */
export function ingestAction(
  stored: StoredIngestRecord | undefined,
  fp: FileFingerprint,
  identity: string,
  label: string,
): 'skip' | 'touch' | 'embed' {
  if (!stored?.complete || stored.identity !== identity || stored.label !== label) return 'embed';
  if (stored.sha256 !== fp.sha256) return 'embed';
  return stored.size === fp.size && stored.mtimeMs === fp.mtimeMs ? 'skip' : 'touch';
}
