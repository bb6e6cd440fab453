import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

// Temp files are dot-files ending in `.part` beside their target: the rename into place stays on one file system
// (atomic), a unique name per attempt keeps two processes from writing the same file, and the cache listing skips
// them by their shape.
const TEMP = /^\..+\.[0-9a-f]{12}\.part$/;

/** A fresh temp path for `file` in `dir`. */
export function tempPathFor(dir: string, file: string): string {
  return join(dir, `.${file}.${process.pid}.${randomBytes(6).toString('hex')}.part`);
}

/** True for a name `tempPathFor` makes. */
export function isTempName(name: string): boolean {
  return TEMP.test(name);
}

/** Removes a file if present; never throws (cleanup must not hide the error being cleaned up after). */
export async function removeQuietly(path: string | undefined): Promise<void> {
  if (path) await rm(path, { force: true }).catch(() => undefined);
}

/** Removes temp files older than `maxAgeMs` that a killed process left behind (a live download keeps writing). */
export async function removeStaleTemps(dir: string, maxAgeMs = 24 * 3600_000): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const now = Date.now();
  for (const name of names.filter(isTempName)) {
    const path = join(dir, name);
    const s = await stat(path).catch(() => undefined);
    if (s && now - s.mtimeMs > maxAgeMs) await removeQuietly(path);
  }
}
