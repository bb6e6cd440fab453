import { FaceKitError } from '@facekit/core';
import type { PersistentGallery } from './backend.js';
import { PgGallery, type PgGalleryOptions } from './pg-gallery.js';
import { SqliteGallery, type SqliteGalleryOptions } from './sqlite-gallery.js';

/**
 * Opens a persistent gallery: a `postgres://` / `postgresql://` URL → PostgreSQL + pgvector, anything else → a
 * SQLite file (created when missing).
 *
 * @example
 * const g = await openGallery('faces.db', { embedder: pipeline.embedder.name, dim: pipeline.embedder.dim });
 * const pg = await openGallery('postgres://facekit@db.internal/faces');
 */
export async function openGallery(
  location: string,
  options: SqliteGalleryOptions & PgGalleryOptions = {},
): Promise<PersistentGallery> {
  if (typeof location !== 'string' || location === '') {
    throw new FaceKitError('E_CONFIG', 'a gallery location (file path or postgres:// URL) is required');
  }
  if (/^postgres(ql)?:\/\//i.test(location)) return PgGallery.connect(location, options);
  return SqliteGallery.open(location, options);
}
