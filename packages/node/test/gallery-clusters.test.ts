import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Embedding, gaussian, seededRandom, shuffle } from '@facekit/core';
import { bcubed } from '@facekit/core/eval';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { usePglite } from './helpers.js';
import { codeOf } from '../../../test/utils.js';
import {
  type GalleryClusterStore,
  PgGallery,
  type PersistentGallery,
  SqliteGallery,
  updateGalleryClusters,
} from '../src/gallery/index.js';

/** `people` identities of `per` faces (a random centre plus noise), in a shuffled arrival order. */
function planted(people: number, per: number, seed: number, first = 0) {
  const rand = seededRandom(seed);
  const faces: Array<{ label: string; embedding: Embedding }> = [];
  for (let p = first; p < first + people; p++) {
    const centre = Array.from({ length: 16 }, () => gaussian(rand));
    for (let i = 0; i < per; i++) {
      faces.push({
        label: `p${p}`,
        embedding: { vector: Float32Array.from(centre, (c) => c + 0.15 * gaussian(rand)), embedder: 'toy' },
      });
    }
  }
  return shuffle(faces, rand);
}

// Same-person cosine distance ≈ 0.02 here, different people ≈ 1.
const threshold = 0.3;

/** Cluster of every face, by label: checks the clustering against the planted people. */
async function scored(g: PersistentGallery & { clusterStore(): GalleryClusterStore }, labelOf: Map<number, string>) {
  const stored = await g.clusterStore().load();
  return {
    stored: new Map(stored),
    f1: bcubed(
      stored.map(([, c]) => c),
      stored.map(([id]) => labelOf.get(id)!),
    ).f1,
  };
}

/** The same scenario on either gallery: cluster, add faces, cluster again incrementally, persist, re-cluster. */
async function scenario(open: () => Promise<PersistentGallery & { clusterStore(): GalleryClusterStore }>) {
  const g = await open();
  const first = planted(6, 5, 1);
  const ids = await g.enrollMany(first);
  const labelOf = new Map(ids.map((id, i) => [id, first[i].label]));
  const r1 = await updateGalleryClusters(g.clusterStore(), { threshold });
  expect(r1).toMatchObject({ mode: 'incremental', assigned: 30, created: 6, joined: 24, clusters: 6, size: 30 });
  const s1 = await scored(g, labelOf);
  expect(s1.f1).toBe(1);
  // Nothing new: nothing to do.
  expect((await updateGalleryClusters(g.clusterStore(), { threshold })).assigned).toBe(0);
  // New faces: three of known people, one of a new person.
  const rand = seededRandom(11);
  const again = first.slice(0, 3).map((f) => ({
    label: f.label,
    embedding: { ...f.embedding, vector: f.embedding.vector.map((x) => x + 0.1 * gaussian(rand)) },
  }));
  const more = [...again, ...planted(1, 2, 7, 50)];
  const moreIds = await g.enrollMany(more);
  for (const [i, id] of moreIds.entries()) labelOf.set(id, more[i].label);
  await g.close();

  const h = await open();
  const r2 = await updateGalleryClusters(h.clusterStore(), { threshold });
  expect(r2).toMatchObject({ assigned: 5, joined: 4, created: 1, clusters: 7 });
  const s2 = await scored(h, labelOf);
  expect(s2.f1).toBe(1);
  // Old faces keep their cluster ids.
  for (const [id, c] of s1.stored) expect(s2.stored.get(id)).toBe(c);
  // A removed face's cluster row goes with it.
  await h.removeId(ids[0]);
  expect((await h.clusterStore().load()).some(([id]) => id === ids[0])).toBe(false);
  // Full re-cluster: same partition, every face assigned.
  const r3 = await updateGalleryClusters(h.clusterStore(), { threshold, full: true });
  expect(r3).toMatchObject({ mode: 'full', assigned: 34, clusters: 7 });
  labelOf.delete(ids[0]);
  expect((await scored(h, labelOf)).f1).toBe(1);
  await h.close();
}

describe('cluster ids in the SQLite gallery', () => {
  const dir = mkdtempSync(join(tmpdir(), 'facekit-clusters-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('assigns new faces incrementally, keeps ids across reopening, re-clusters on demand', async () => {
    const path = join(dir, 'a.db');
    await scenario(() => SqliteGallery.open(path, { embedder: 'toy', dim: 16 }));
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM facekit_clusters').get()).toEqual({ n: 34 });
    db.close();
  });

  it('adds the cluster table to a gallery file made before it', async () => {
    const path = join(dir, 'old.db');
    const g = await SqliteGallery.open(path, { embedder: 'toy', dim: 16 });
    await g.enrollMany(planted(2, 3, 4));
    await g.close();
    const tables = (p: string) =>
      new Database(p, { readonly: true })
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all()
        .map((r) => (r as { name: string }).name);
    expect(tables(path)).not.toContain('facekit_clusters');
    const h = await SqliteGallery.open(path);
    expect((await updateGalleryClusters(h.clusterStore(), { threshold })).clusters).toBe(2);
    await h.close();
    expect(tables(path)).toContain('facekit_clusters');
  });

  it('facekit cluster --db: incremental, then --full, with --json and progress on stderr', async () => {
    const path = join(dir, 'cli.db');
    const g = await SqliteGallery.open(path, { embedder: 'toy', dim: 16 });
    await g.enrollMany(planted(4, 5, 21));
    await g.close();
    const cli = async (...argv: string[]) => {
      let out = '';
      let err = '';
      const code = await main(argv, { stdout: (x) => (out += x), stderr: (x) => (err += x), isTTY: false });
      return { code, out, err };
    };
    const r = await cli('cluster', '--db', path, '--threshold', String(threshold), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ db: path, mode: 'incremental', assigned: 20, clusters: 4, size: 20 });
    expect(r.err).toMatch(/^assigning faces: 100% \(20\/20\)$/m);
    const again = await cli('cluster', '--db', path, '--threshold', String(threshold));
    expect(again.out).toMatch(/assigned 0 new face\(s\).*; 4 cluster\(s\) of 20 face\(s\)/);
    const full = await cli('cluster', '--db', path, '--threshold', String(threshold), '--full', '--json');
    expect(JSON.parse(full.out)).toMatchObject({ mode: 'full', assigned: 20, clusters: 4 });
    // 'toy' is no registered embedder: without --threshold there is no default link distance.
    expect((await cli('cluster', '--db', path)).err).toMatch(/^facekit: E_CONFIG: no default link threshold/);
    expect((await cli('cluster', '--db', path, '--method', 'kmeans', '--threshold', '0.1')).err).toMatch(/E_CONFIG/);
    expect((await cli('cluster', dir, '--db', path)).err).toMatch(/E_INPUT/);
    expect((await cli('cluster')).err).toMatch(/E_INPUT/);
  });

  it('refuses bad options with E_CONFIG', async () => {
    const g = await SqliteGallery.open(join(dir, 'b.db'));
    expect(await codeOf(updateGalleryClusters(g.clusterStore(), { threshold: -1 }))).toBe('E_CONFIG');
    expect(await codeOf(updateGalleryClusters(g.clusterStore(), { threshold, chunk: 0 }))).toBe('E_CONFIG');
    await g.close();
  });
});

describe('cluster ids in the PostgreSQL gallery (PGlite over the wire protocol)', () => {
  const pg = usePglite();

  it('assigns new faces incrementally, keeps ids across connections, re-clusters on demand', async () => {
    await scenario(() =>
      PgGallery.connect(pg.url, { embedder: 'toy', dim: 16, maxConnections: 1, table: 'clustered' }),
    );
  });

  it('facekit bench gallery --db measures inserts, HNSW and exact search over the wire', async () => {
    let out = '';
    const argv = [
      'bench',
      'gallery',
      '--db',
      pg.url,
      '--size',
      '300',
      '--queries',
      '10',
      '--insert-batch',
      '7',
      '--json',
    ];
    const code = await main(argv, { stdout: (x) => (out += x), stderr: () => undefined, isTTY: false });
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r).toMatchObject({ size: 300, dim: 128, queries: 10, efSearch: 100, insert: { batch: 7 } });
    expect(r.insert.rowsPerSecond).toBeGreaterThan(0);
    expect(r.insert.rowByRowRowsPerSecond).toBeGreaterThan(0);
    // On 300 rows the HNSW graph finds every near-duplicate's source.
    expect(r.near.recallAt1).toBe(1);
    expect(r.random.recallAt1).toBeGreaterThanOrEqual(0);
    // Its own table, refilled: the 300 rows and the 1,000 inserted one by one.
    expect((await pg.db.query<{ n: number }>('SELECT count(*)::int AS n FROM facekit_bench')).rows[0].n).toBe(1300);
  });

  it('a gallery with no face has nothing to cluster', async () => {
    const g = await PgGallery.connect(pg.url, { maxConnections: 1, table: 'nothing_yet' });
    expect(await updateGalleryClusters(g.clusterStore(), { threshold })).toMatchObject({ assigned: 0, clusters: 0 });
    await g.close();
  });
});
