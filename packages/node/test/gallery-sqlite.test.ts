import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gallery, pqIndexFactory, type VectorIndexFactory } from '@facekit/core';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { randomEmbeddings } from './helpers.js';
import { codeOf } from '../../../test/utils.js';
import { blobToVector, openGallery, SqliteGallery, usearchIndexFactory } from '../src/gallery/index.js';

const dir = mkdtempSync(join(tmpdir(), 'facekit-gallery-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteGallery', () => {
  it('round-trips enrolments, removals and identifications through the file', async () => {
    const path = join(dir, 'roundtrip.db');
    const e = randomEmbeddings(40, 16, 1);
    const g = await SqliteGallery.open(path, { embedder: 'toy', dim: 16, threshold: 0.5 });
    const ids = await g.enrollMany(
      e.slice(0, 30).map((embedding, i) => ({ label: `p${i % 10}`, embedding, source: `img${i}.jpg` })),
    );
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await g.enroll('extra', e[30])).toBe(31);
    expect(await g.remove('p3')).toBe(3);
    expect(await g.removeId(31)).toBe(true);
    const before = await Promise.all(e.slice(30).map((q) => g.identify(q, { k: 3 })));
    expect(g.integrityCheck()).toBe('ok');
    await g.close();

    const h = await openGallery(path);
    expect(await h.info()).toMatchObject({ backend: 'sqlite', embedder: 'toy', dim: 16, metric: 'cosine', size: 27 });
    expect((await h.labels()).get('p3')).toBeUndefined();
    expect((await h.labels()).get('p4')).toBe(3);
    // Same answers after reopening (the threshold is an open option, so pass it again).
    const after = await Promise.all(e.slice(30).map((q) => h.identify(q, { k: 3, threshold: 0.5 })));
    expect(after).toEqual(before);
    // Ids are not reused after deletion, across reopenings.
    expect(await h.enroll('later', e[31])).toBe(32);
    await h.close();

    // The vectors are stored exactly, with their source.
    const db = new Database(path, { readonly: true });
    const row = db.prepare('SELECT label, vector, source FROM facekit_faces WHERE id = 5').get() as {
      label: string;
      vector: Buffer;
      source: string;
    };
    expect(row.label).toBe('p4');
    expect(row.source).toBe('img4.jpg');
    expect(Array.from(blobToVector(row.vector, 16, 5))).toEqual(Array.from(e[4].vector));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it("keeps the weights fingerprint in its meta table and refuses a fine-tuned file's vectors, also after reopening", async () => {
    const path = join(dir, 'weights.db');
    const [stock, tuned] = [
      randomEmbeddings(3, 8, 7, 'facenet').map((e) => ({ ...e, weights: 'aaaaaaaaaaaa' })),
      randomEmbeddings(1, 8, 8, 'facenet').map((e) => ({ ...e, weights: 'bbbbbbbbbbbb' })),
    ];
    const g = await SqliteGallery.open(path);
    await g.enrollMany(stock.slice(0, 2).map((embedding, i) => ({ label: `p${i}`, embedding })));
    expect((await g.info()).weights).toBe('aaaaaaaaaaaa');
    expect(await codeOf(g.enroll('bob', tuned[0]))).toBe('E_EMBEDDING_MISMATCH');
    await g.close();
    const h = await SqliteGallery.open(path);
    expect((await h.info()).weights).toBe('aaaaaaaaaaaa');
    expect(await codeOf(h.enroll('bob', tuned[0]))).toBe('E_EMBEDDING_MISMATCH');
    expect(await codeOf(h.identify(tuned[0]))).toBe('E_EMBEDDING_MISMATCH');
    expect((await h.identify(stock[0])).label).toBe('p0');
    await h.enroll('p2', stock[2]);
    expect((await h.info()).size).toBe(3);
    await h.close();
  });

  it('refuses other embedders and dimensions, on enrolment, query and reopening, writing nothing', async () => {
    const path = join(dir, 'mismatch.db');
    const g = await SqliteGallery.open(path);
    await g.enroll('ada', randomEmbeddings(1, 8, 2, 'facenet')[0]);
    expect(await codeOf(g.enroll('bob', randomEmbeddings(1, 8, 3, 'dlib')[0]))).toBe('E_EMBEDDING_MISMATCH');
    expect(await codeOf(g.enroll('bob', randomEmbeddings(1, 4, 3, 'facenet')[0]))).toBe('E_EMBEDDING_MISMATCH');
    // One bad item spoils the whole batch: nothing of it is written.
    const good = randomEmbeddings(2, 8, 4, 'facenet');
    const bad = { vector: new Float32Array(8).fill(Number.NaN), embedder: 'facenet' };
    expect(
      await codeOf(
        g.enrollMany([
          { label: 'x', embedding: good[0] },
          { label: 'y', embedding: bad },
        ]),
      ),
    ).toBe('E_INPUT');
    expect(await codeOf(g.identify(randomEmbeddings(1, 8, 5, 'dlib')[0]))).toBe('E_EMBEDDING_MISMATCH');
    expect((await g.info()).size).toBe(1);
    await g.close();
    expect(await codeOf(SqliteGallery.open(path, { embedder: 'dlib' }))).toBe('E_EMBEDDING_MISMATCH');
    expect(await codeOf(SqliteGallery.open(path, { dim: 128 }))).toBe('E_EMBEDDING_MISMATCH');
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM facekit_faces').get()).toEqual({ n: 1 });
    db.close();
    expect(await codeOf(SqliteGallery.open(join(dir, 'missing', 'x.db')))).toBe('E_IO');
  });

  // The PQ index trains its codebooks on the first 256 vectors here (default 8,192, when search is exact before).
  it.each<[string, VectorIndexFactory]>([
    ['pq-scan', pqIndexFactory({ trainSize: 256, candidates: 40 })],
    // One thread: a multi-threaded HNSW build depends on scheduling, so its recall here varied with machine load.
    ['usearch-hnsw', usearchIndexFactory({ threads: 1 })],
  ])('answers like the exact in-memory gallery when the %s index takes over', async (kind, ann) => {
    const path = join(dir, `ann-${kind}.db`);
    const e = randomEmbeddings(600, 32, 6);
    const g = await SqliteGallery.open(path, { annMinSize: 500, threshold: 2, ann });
    await g.enrollMany(e.slice(0, 550).map((embedding, i) => ({ label: `p${i}`, embedding })));
    expect((await g.info()).index).toBe('ann');
    const exact = new Gallery({ threshold: 2 });
    exact.enrollMany(e.slice(0, 550).map((embedding, i) => ({ label: `p${i}`, embedding })));
    let same = 0;
    for (const q of e.slice(550)) {
      const r = await g.identify(q);
      const x = exact.identify(q);
      if (r.label === x.label) {
        same++;
        expect(r.distance).toBeCloseTo(x.distance, 6);
      }
    }
    expect((await g.info()).index).toBe(kind);
    expect(same).toBeGreaterThanOrEqual(49);
    await g.close();
  });
});
