import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writerVector } from './gallery-pg-writer-child.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..');
// The child is bundled into the repo's ignored .tmp/ so that its external packages resolve from node_modules.
const work = (() => {
  mkdirSync(join(repo, '.tmp'), { recursive: true });
  return mkdtempSync(join(repo, '.tmp', 'gallery-pg-writers-'));
})();
const child = join(work, 'child.mjs');
const WRITERS = 4;
const FACES = 60;

let db: PGlite;
let server: PGLiteSocketServer;
let url: string;

beforeAll(async () => {
  await build({
    entryPoints: [join(here, 'gallery-pg-writer-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: child,
    conditions: ['@facekit/source'],
    external: ['better-sqlite3', 'usearch', 'pg', 'sharp', '@tensorflow/*'],
    logLevel: 'error',
  });
  db = await PGlite.create({ extensions: { vector } });
  // PGlite is one session underneath. Its socket server can take several connections, but it forwards each
  // connection's bytes as they arrive, so two clients' extended-protocol messages (Parse/Bind/Execute of
  // parameterised queries) interleave and fail ('unnamed prepared statement does not exist'). One connection at a
  // time is what it allows: the writers queue for it (see the child). A PostgreSQL server runs them in parallel.
  server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await server.start();
  url = `postgres://postgres@${server.getServerConn()}/postgres`;
});
afterAll(async () => {
  await server?.stop();
  await db?.close();
  rmSync(work, { recursive: true, force: true });
});

function writer(w: number): Promise<number[]> {
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, [child, url, String(w), String(FACES)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('error', fail);
    p.on('exit', (code) =>
      code === 0 ? ok(out.trim().split(',').map(Number)) : fail(new Error(`writer ${w} exited ${code}: ${err}`)),
    );
  });
}

describe('several processes enrolling into one PostgreSQL gallery at once (PGlite: queued connections)', () => {
  it('stores every face exactly once, under the id its writer was told', async () => {
    const told = await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    const all = told.flat();
    expect(all).toHaveLength(WRITERS * FACES);
    expect(new Set(all).size).toBe(WRITERS * FACES);
    const rows = (
      await db.query<{ id: number; label: string; source: string; v: string }>(
        'SELECT id::int AS id, label, source, embedding::text AS v FROM shared_gallery ORDER BY id',
      )
    ).rows;
    expect(rows).toHaveLength(WRITERS * FACES);
    expect(new Set(rows.map((r) => r.source)).size).toBe(WRITERS * FACES);
    const byId = new Map(rows.map((r) => [r.id, r]));
    told.forEach((ids, w) => {
      ids.forEach((id, i) => {
        const r = byId.get(id)!;
        expect([r.label, r.source]).toEqual([`w${w}`, `w${w}/${i}`]);
        const stored = JSON.parse(r.v) as number[];
        writerVector(w, i).forEach((x, j) => {
          expect(stored[j]).toBeCloseTo(x, 5);
        });
      });
    });
  });
});
