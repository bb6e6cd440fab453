// Resumable ingest: a re-run skips what is done, a changed file replaces its faces, on SQLite and PostgreSQL (PGlite).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type EmbedderSpec, FaceKitError, type Representation } from '@facekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  embedderIdentity,
  enrollImages,
  fingerprintFile,
  type ImageEmbedder,
  ingestAction,
  labelledImages,
  type PersistentGallery,
  PgGallery,
  SqliteGallery,
} from '../src/gallery/index.js';
import { usePglite } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'facekit-ingest-'));
const pg = usePglite();
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A stand-in embedder whose vector is a function of the file's bytes; counts the files it embeds. */
function bytesEmbedder(): ImageEmbedder & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    embedder: { name: 'toy', dim: 8, defaultMetric: 'cosine', thresholds: { cosine: 0.1 } } as EmbedderSpec,
    async represent(path: string) {
      calls.push(path);
      const bytes = readFileSync(path);
      if (bytes.toString().startsWith('noface')) throw new FaceKitError('E_NO_FACE', 'no face found');
      const h = createHash('sha256').update(bytes).digest();
      const vector = Float32Array.from({ length: 8 }, (_, j) => h[j] / 255 - 0.5);
      return [{ embedding: { vector, embedder: 'toy' } }] as unknown as Representation[];
    },
  };
}

function makeFolder(name: string): string {
  const dir = join(root, name);
  for (const person of ['ada', 'bob', 'cy']) {
    mkdirSync(join(dir, person), { recursive: true });
    for (let i = 0; i < 4; i++) writeFileSync(join(dir, person, `${i}.jpg`), `${person} photo ${i}`);
  }
  writeFileSync(join(dir, 'bob', 'blank.jpg'), 'noface');
  return dir;
}

const backends: Array<[string, (name: string) => Promise<PersistentGallery>]> = [
  ['SQLite', async (name) => SqliteGallery.open(join(root, `${name}.db`), { ann: false })],
  ['PostgreSQL (PGlite)', async (name) => PgGallery.connect(pg.url, { maxConnections: 1, table: name, hnsw: false })],
];

describe('fingerprints and decisions', () => {
  it('hashes the bytes and decides skip / touch / embed', async () => {
    const dir = makeFolder('fp');
    const path = join(dir, 'ada', '0.jpg');
    const fp = await fingerprintFile(path);
    expect(fp.path).toBe(resolve(path));
    expect(fp.sha256).toBe(createHash('sha256').update('ada photo 0').digest('hex'));
    expect(fp.size).toBe(11);
    const rec = { ...fp, identity: 'toy', label: 'ada', faceIds: [1], complete: true };
    expect(ingestAction(undefined, fp, 'toy', 'ada')).toBe('embed');
    expect(ingestAction(rec, fp, 'toy', 'ada')).toBe('skip');
    expect(ingestAction({ ...rec, mtimeMs: 1 }, fp, 'toy', 'ada')).toBe('touch');
    expect(ingestAction({ ...rec, sha256: 'x' }, fp, 'toy', 'ada')).toBe('embed');
    expect(ingestAction(rec, fp, 'other', 'ada')).toBe('embed');
    expect(ingestAction(rec, fp, 'toy', 'bob')).toBe('embed');
    expect(ingestAction({ ...rec, complete: false }, fp, 'toy', 'ada')).toBe('embed');
    await expect(fingerprintFile(join(dir, 'missing.jpg'))).rejects.toMatchObject({ code: 'E_IO' });
    const spec = { name: 'facenet' } as EmbedderSpec;
    expect(await embedderIdentity({ embedder: spec })).toBe('facenet');
    expect(await embedderIdentity({ embedder: spec, weightsPath: path })).toBe(
      `facenet@0.jpg:${fp.sha256.slice(0, 16)}`,
    );
  });
});

describe.each(backends)('resumable enrolment on %s', (_name, open) => {
  it('skips what is done, re-embeds what changed, replaces old faces', async () => {
    const table = `ingest_${_name.startsWith('SQL') ? 's' : 'p'}`;
    const dir = makeFolder(table);
    const items = await labelledImages(dir);
    expect(items).toHaveLength(13);
    const g = await open(table);
    try {
      const e1 = bytesEmbedder();
      const r1 = await enrollImages(g, e1, items, { batchSize: 5 });
      expect(r1.enrolled).toHaveLength(12);
      expect(r1.failed.map((f) => f.code)).toEqual(['E_NO_FACE']);
      expect(r1.skipped).toEqual([]);
      expect(e1.calls).toHaveLength(13);
      expect(Object.fromEntries(await g.labels())).toEqual({ ada: 4, bob: 4, cy: 4 });

      // A re-run embeds only the file that failed (failures are tried again).
      const e2 = bytesEmbedder();
      const progress: number[] = [];
      const r2 = await enrollImages(g, e2, items, { batchSize: 5, onProgress: (d) => progress.push(d) });
      expect(e2.calls.map((c) => c.split('/').at(-1))).toEqual(['blank.jpg']);
      expect(r2.skipped).toHaveLength(12);
      expect(r2.enrolled).toEqual([]);
      expect(progress).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));

      // Touched (same bytes, new time): record updated, nothing embedded. Changed bytes: embedded again, its face
      // replaced. A face removed by hand: its file is embedded again.
      const touched = join(dir, 'ada', '1.jpg');
      utimesSync(touched, new Date(2001, 1, 1), new Date(2001, 1, 1));
      const changed = join(dir, 'cy', '2.jpg');
      writeFileSync(changed, 'cy photo 2, retouched');
      const oldId = r1.enrolled.find((x) => x.path === changed)!.id;
      const gone = r1.enrolled.find((x) => x.path === join(dir, 'bob', '3.jpg'))!;
      expect(await g.removeId(gone.id)).toBe(true);
      const e3 = bytesEmbedder();
      const r3 = await enrollImages(g, e3, items, { batchSize: 5 });
      expect(e3.calls.sort()).toEqual([join(dir, 'bob', '3.jpg'), join(dir, 'bob', 'blank.jpg'), changed].sort());
      expect(r3.enrolled.map((x) => x.path).sort()).toEqual([join(dir, 'bob', '3.jpg'), changed].sort());
      expect(r3.enrolled.every((x) => x.id !== oldId)).toBe(true);
      expect(Object.fromEntries(await g.labels())).toEqual({ ada: 4, bob: 4, cy: 4 });
      const rec = await g.ingestRecords([resolve(touched), resolve(changed)]);
      expect(rec.get(resolve(touched))?.mtimeMs).toBe(new Date(2001, 1, 1).getTime());
      expect(rec.get(resolve(changed))?.faceIds).toEqual([r3.enrolled.find((x) => x.path === changed)!.id]);
      expect(await g.removeId(oldId)).toBe(false); // the old face is gone

      // The same files under another label, or with --force: embedded again, faces replaced, never doubled.
      const e4 = bytesEmbedder();
      const r4 = await enrollImages(g, e4, items, { force: true });
      expect(e4.calls).toHaveLength(13);
      expect(r4.enrolled).toHaveLength(12);
      expect(Object.fromEntries(await g.labels())).toEqual({ ada: 4, bob: 4, cy: 4 });
      const relabelled = items.map((it) => (it.label === 'cy' ? { ...it, label: 'cyrus' } : it));
      const r5 = await enrollImages(g, bytesEmbedder(), relabelled);
      expect(r5.enrolled.map((x) => x.label)).toEqual(['cyrus', 'cyrus', 'cyrus', 'cyrus']);
      expect(Object.fromEntries(await g.labels())).toEqual({ ada: 4, bob: 4, cyrus: 4 });
      expect((await g.info()).size).toBe(12);
      // A file named twice in one call is enrolled once.
      const twice = [{ label: 'ada', path: join(dir, 'ada', '0.jpg') }];
      const r6 = await enrollImages(g, bytesEmbedder(), [...twice, ...twice], { force: true });
      expect(r6.enrolled).toHaveLength(1);
      expect((await g.info()).size).toBe(12);
    } finally {
      await g.close();
    }
  });
});
