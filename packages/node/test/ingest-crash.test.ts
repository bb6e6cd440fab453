// Crash-safe ingest: `enrollImages` in a child process, SIGKILLed at several points and run again, ends with every
// file's face enrolled exactly once, its ingest record pointing at it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesVector } from './ingest-crash-child.js';
import { useChildBundle } from './helpers.js';

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
function run(db: string, killAfter?: number): Promise<{ killed: boolean; lines: string[] }> {
  return new Promise((done, fail) => {
    const p: ChildProcess = spawn(process.execPath, [child, db, join(data, 'people')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let buf = '';
    let err = '';
    let killing = false;
    p.stderr!.on('data', (d) => {
      err += d;
    });
    p.stdout!.on('data', (d) => {
      buf += d;
      const parts = buf.split('\n');
      buf = parts.pop()!;
      lines.push(...parts);
      if (killAfter !== undefined && !killing && lines.length >= killAfter) {
        killing = true;
        setTimeout(() => p.kill('SIGKILL'), Math.random() * 15);
      }
    });
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') done({ killed: true, lines });
      else if (code === 0) done({ killed: false, lines: [...lines, ...(buf ? [buf] : [])] });
      else fail(new Error(`child exited with ${code}/${signal}: ${err}`));
    });
  });
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
