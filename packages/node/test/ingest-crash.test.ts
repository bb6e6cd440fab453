import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesVector } from './ingest-crash-child.js';
import { runChildLines, useChildBundle } from './helpers.js';

const child = useChildBundle('ingest-crash-child', 'ingest-crash-');
const data = mkdtempSync(join(tmpdir(), 'facekit-ingest-crash-'));
const FILES = 240;

beforeAll(() => {
  for (let i = 0; i < FILES; i++) {
    const person = join(data, 'people', `p${i % 12}`);
    mkdirSync(person, { recursive: true });
    writeFileSync(join(person, `${i}.jpg`), `face file ${i}`);
  }
});
afterAll(() => {
  rmSync(data, { recursive: true, force: true });
});

/** Runs the child; SIGKILLs it a random moment after it has reported `killAfter` files (or lets it finish). */
async function run(db: string, killAfter?: number): Promise<{ killed: boolean; lines: string[] }> {
  const r = await runChildLines(
    [child, db, join(data, 'people')],
    (lines) => killAfter !== undefined && lines.length >= killAfter,
    15,
  );
  if (!r.killed && r.code !== 0) throw new Error(`child exited with ${r.code}: ${r.err}`);
  return { killed: r.killed, lines: r.lines };
}

describe('resumable ingest through SIGKILL', () => {
  it('enrols every file exactly once however often the run is killed', async () => {
    const db = join(data, 'crash.db');
    let kills = 0;
    for (const killAfter of [15, 40, 90, 120, 170, 200]) {
      const r = await run(db, killAfter);
      if (r.killed) kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(4); // most runs died mid-way (a run may finish first when few files remain)
    const last = await run(db);
    expect(last.killed).toBe(false);
    const [, enrolled, skipped] = last.lines.at(-1)!.split(' ').map(Number);
    expect(enrolled + skipped).toBe(FILES);
    // A second complete run has nothing left to do.
    const again = await run(db);
    expect(again.lines.at(-1)).toBe(`done 0 ${FILES}`);

    const sql = new Database(db, { readonly: true });
    try {
      const faces = sql.prepare('SELECT id, label, source, vector FROM facekit_faces ORDER BY id').all() as Array<{
        id: number;
        label: string;
        source: string;
        vector: Buffer;
      }>;
      expect(faces).toHaveLength(FILES);
      const bySource = new Map(faces.map((f) => [resolve(f.source), f]));
      expect(bySource.size).toBe(FILES); // no file twice
      const records = sql.prepare('SELECT path, face_ids, sha256 FROM facekit_ingest').all() as Array<{
        path: string;
        face_ids: string;
        sha256: string;
      }>;
      expect(records).toHaveLength(FILES);
      for (const rec of records) {
        const face = bySource.get(rec.path)!;
        expect(JSON.parse(rec.face_ids)).toEqual([face.id]);
        const want = bytesVector(readFileSync(rec.path));
        expect(Buffer.compare(face.vector, Buffer.from(want.buffer))).toBe(0);
        expect(face.label).toBe(rec.path.split('/').at(-2));
      }
    } finally {
      sql.close();
    }
  }, 120_000);
});
