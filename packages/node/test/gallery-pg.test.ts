import { Gallery, vectorDistance } from '@facekit/core';
import { describe, expect, it } from 'vitest';
import { randomEmbeddings, usePglite } from './helpers.js';
import { codeOf } from '../../../test/utils.js';
import { openGallery, PgGallery } from '../src/gallery/index.js';

// A real PostgreSQL wire protocol endpoint on loopback: PGlite (Postgres in WASM) with pgvector behind a socket.
const pg = usePglite();

// PGlite is one session underneath: one connection per pool (the server allows a few, for reconnections).
const opts = { maxConnections: 1 } as const;

describe('PgGallery over the Postgres wire protocol', () => {
  it('enrols, identifies like the exact in-memory gallery, and persists across connections', async () => {
    expect(pg.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const e = randomEmbeddings(120, 16, 1);
    const g = await openGallery(pg.url, { ...opts, embedder: 'toy', dim: 16, threshold: 0.6 });
    expect(g).toBeInstanceOf(PgGallery);
    const items = e.slice(0, 100).map((embedding, i) => ({ label: `p${i % 25}`, embedding, source: `f${i}.jpg` }));
    const ids = await g.enrollMany(items);
    expect(ids).toHaveLength(100);
    expect(new Set(ids).size).toBe(100);
    const mem = new Gallery({ threshold: 0.6 });
    mem.enrollMany(items);
    for (const q of e.slice(100)) {
      const got = await g.identify(q, { k: 4, exact: true });
      const want = mem.identify(q, { k: 4 });
      expect(got.matches.map((m) => m.label)).toEqual(want.matches.map((m) => m.label));
      got.matches.forEach((m, i) => {
        expect(m.distance).toBeCloseTo(want.matches[i].distance, 5);
      });
      expect([got.label, got.known, got.votes]).toEqual([want.label, want.known, want.votes]);
      // Through the HNSW index: on 100 rows it finds the same nearest face.
      expect((await g.identify(q, { k: 4 })).matches[0].id).toBe(got.matches[0].id);
    }
    // Other metrics come from pgvector's operators with the same values as core's.
    const q = e[110];
    for (const metric of ['euclidean', 'squared-l2', 'euclidean-l2'] as const) {
      const r = await g.identify(q, { metric, k: 1, threshold: 10, exact: true });
      const nearest = Math.min(...e.slice(0, 100).map((x) => vectorDistance(x.vector, q.vector, metric)));
      expect(r.distance).toBeCloseTo(nearest, 5);
    }
    expect(await g.remove('p0')).toBe(4);
    expect(await g.removeId(ids[1])).toBe(true);
    expect(await g.removeId(ids[1])).toBe(false);
    await g.close();

    const h = await PgGallery.connect(pg.url, opts);
    expect(await h.info()).toMatchObject({
      backend: 'postgres',
      embedder: 'toy',
      dim: 16,
      metric: 'cosine',
      size: 95,
      index: 'pgvector-hnsw',
    });
    const labels = await h.labels();
    expect(labels.has('p0')).toBe(false);
    expect(labels.get('p1')).toBe(3);
    expect(labels.get('p2')).toBe(4);
    await h.close();
  });

  it("keeps the weights fingerprint in its meta table and refuses a fine-tuned file's vectors, across connections", async () => {
    const table = 'weights_gallery';
    const stock = randomEmbeddings(2, 8, 7, 'facenet').map((e) => ({ ...e, weights: 'aaaaaaaaaaaa' }));
    const tuned = { ...randomEmbeddings(1, 8, 8, 'facenet')[0], weights: 'bbbbbbbbbbbb' };
    const g = await PgGallery.connect(pg.url, { ...opts, table });
    await g.enroll('ada', stock[0]);
    expect((await g.info()).weights).toBe('aaaaaaaaaaaa');
    expect(await codeOf(g.enroll('bob', tuned))).toBe('E_EMBEDDING_MISMATCH');
    await g.close();
    const h = await PgGallery.connect(pg.url, { ...opts, table });
    expect(await codeOf(h.enroll('bob', tuned))).toBe('E_EMBEDDING_MISMATCH');
    expect(await codeOf(h.identify(tuned))).toBe('E_EMBEDDING_MISMATCH');
    await h.enroll('cy', stock[1]);
    expect((await h.info()).size).toBe(2);
    await h.close();
  });

  it('refuses other embedders and dimensions and rolls back a bad batch', async () => {
    const g = await PgGallery.connect(pg.url, { ...opts, table: 'other_gallery' });
    await g.enroll('ada', randomEmbeddings(1, 8, 2, 'facenet')[0]);
    expect(await codeOf(g.enroll('bob', randomEmbeddings(1, 8, 3, 'dlib')[0]))).toBe('E_EMBEDDING_MISMATCH');
    expect(await codeOf(g.identify(randomEmbeddings(1, 4, 3, 'facenet')[0]))).toBe('E_EMBEDDING_MISMATCH');
    const good = randomEmbeddings(2, 8, 4, 'facenet');
    const bad = { vector: Float32Array.from([1, 2, 3, 4, 5, 6, 7, Number.POSITIVE_INFINITY]), embedder: 'facenet' };
    expect(
      await codeOf(
        g.enrollMany([
          { label: 'x', embedding: good[0] },
          { label: 'y', embedding: bad },
        ]),
      ),
    ).toBe('E_INPUT');
    expect((await g.info()).size).toBe(1);
    await g.close();
    expect(await codeOf(PgGallery.connect(pg.url, { ...opts, table: 'other_gallery', embedder: 'dlib' }))).toBe(
      'E_EMBEDDING_MISMATCH',
    );
    expect(await codeOf(PgGallery.connect(pg.url, { ...opts, table: 'Robert"; DROP TABLE x' }))).toBe('E_CONFIG');
    // An empty gallery answers unknown.
    const empty = await PgGallery.connect(pg.url, { ...opts, table: 'empty_gallery' });
    expect((await empty.identify(good[1])).known).toBe(false);
    await empty.close();
  });
});
