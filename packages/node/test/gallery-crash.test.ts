import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteGallery } from '../src/gallery/sqlite-gallery.js';
import { crashVector } from './gallery-crash-child.js';
import { runChildLines, useChildBundle } from './helpers.js';

const child = useChildBundle('gallery-crash-child', 'gallery-crash-');
const dbDir = mkdtempSync(join(tmpdir(), 'facekit-crash-'));

afterAll(() => {
  rmSync(dbDir, { recursive: true, force: true });
});

/** Runs the child until it has reported `batches` commits (and a little more), then SIGKILLs it. */
async function enrolUntilKilled(
  path: string,
  start: number,
  batches: number,
): Promise<Array<{ label: string; ids: number[] }>> {
  // Each line is one committed batch: "<label> <n> <id,id,…>". The kill lands at an arbitrary point of a transaction.
  const r = await runChildLines([child, path, String(start)], (lines) => lines.length >= batches, 20);
  if (!r.killed) throw new Error(`child exited with ${r.code} before the kill: ${r.err}`);
  return r.lines.map((l) => {
    const [label, n, ids] = l.split(' ');
    const committed = { label, ids: ids.split(',').map(Number) };
    expect(committed.ids).toHaveLength(Number(n));
    return committed;
  });
}

describe('SQLite gallery crash safety', () => {
  it('keeps every committed enrolment, whole, through repeated SIGKILLs', async () => {
    const path = join(dbDir, 'crash.db');
    let next = 0;
    const allCommitted = new Map<string, number[]>();
    for (let round = 0; round < 3; round++) {
      const committed = await enrolUntilKilled(path, next, 30 + 20 * round);
      expect(committed.length).toBeGreaterThanOrEqual(30);
      for (const c of committed) allCommitted.set(c.label, c.ids);

      // Reopening recovers the WAL; the file is sound and holds every reported batch.
      const g = await SqliteGallery.open(path, { ann: false });
      expect(g.integrityCheck()).toBe('ok');
      const labels = await g.labels();
      for (const [label, ids] of allCommitted) expect(labels.get(label)).toBe(ids.length);
      await g.close();

      // Batches are atomic (a label's rows are all there or none) and every vector is intact.
      const db = new Database(path, { readonly: true });
      const rows = db.prepare('SELECT id, label, vector FROM facekit_faces ORDER BY id').all() as Array<{
        id: number;
        label: string;
        vector: Buffer;
      }>;
      const byLabel = new Map<string, number>();
      for (const r of rows) byLabel.set(r.label, (byLabel.get(r.label) ?? 0) + 1);
      // Every label is a whole batch: `f<first face>x<size>` with exactly <size> rows, and batches follow each other.
      let face = 0;
      let k = 0;
      let prev = '';
      for (const r of rows) {
        const [first, size] = r.label.slice(1).split('x').map(Number);
        if (r.label !== prev) {
          expect(first).toBe(face);
          expect(byLabel.get(r.label)).toBe(size);
          face += size;
          k = 0;
        } else k++;
        prev = r.label;
        expect(Buffer.compare(r.vector, Buffer.from(crashVector(first + k, 64).buffer))).toBe(0);
      }
      for (const [label, ids] of allCommitted) expect(byLabel.get(label)).toBe(ids.length);
      db.close();
      next = face;
    }
    expect(allCommitted.size).toBeGreaterThanOrEqual(130);
  });
});
