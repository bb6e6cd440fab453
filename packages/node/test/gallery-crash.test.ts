import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteGallery } from '../src/gallery/sqlite-gallery.js';
import { crashVector } from './gallery-crash-child.js';
import { useChildBundle } from './helpers.js';

const child = useChildBundle('gallery-crash-child', 'gallery-crash-');
const dbDir = mkdtempSync(join(tmpdir(), 'facekit-crash-'));

afterAll(() => {
  rmSync(dbDir, { recursive: true, force: true });
});

/** Runs the child until it has reported `batches` commits (and a little more), then SIGKILLs it. */
function enrolUntilKilled(
  path: string,
  start: number,
  batches: number,
): Promise<Array<{ label: string; ids: number[] }>> {
  return new Promise((done, fail) => {
    const p: ChildProcess = spawn(process.execPath, [child, path, String(start)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const committed: Array<{ label: string; ids: number[] }> = [];
    let buf = '';
    let err = '';
    let killing = false;
    p.stderr!.on('data', (d) => {
      err += d;
    });
    p.stdout!.on('data', (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const [label, n, ids] = l.split(' ');
        committed.push({ label, ids: ids.split(',').map(Number) });
        expect(committed.at(-1)!.ids).toHaveLength(Number(n));
      }
      if (committed.length >= batches && !killing) {
        killing = true;
        // A random few milliseconds later, so the kill lands at an arbitrary point of a transaction.
        setTimeout(() => p.kill('SIGKILL'), Math.random() * 20);
      }
    });
    p.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') fail(new Error(`child exited with ${code}/${signal} before the kill: ${err}`));
      else done(committed);
    });
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
