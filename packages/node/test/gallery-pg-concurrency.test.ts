import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { writerVector } from './gallery-pg-writer-child.js';
import { useChildBundle, usePglite } from './helpers.js';

const child = useChildBundle('gallery-pg-writer-child', 'gallery-pg-writers-');
const WRITERS = 4;
const FACES = 60;

// PGlite is one session underneath. Its socket server can take several connections, but it forwards each
// connection's bytes as they arrive, so two clients' extended-protocol messages (Parse/Bind/Execute of
// parameterised queries) interleave and fail ('unnamed prepared statement does not exist'). One connection at a
// time is what it allows: the writers queue for it (see the child). A PostgreSQL server runs them in parallel.
const pg = usePglite(1);

function writer(w: number): Promise<number[]> {
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, [child, pg.url, String(w), String(FACES)], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      await pg.db.query<{ id: number; label: string; source: string; v: string }>(
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
