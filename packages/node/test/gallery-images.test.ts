import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbedderSpec, FaceKitError, type Representation } from '@facekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clusterImages,
  enrollImages,
  type ImageEmbedder,
  identifyImages,
  labelledImages,
  listImages,
  SqliteGallery,
} from '../src/gallery/index.js';

const root = mkdtempSync(join(tmpdir(), 'facekit-images-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// people/<name>/<n>.jpg; each file's "embedding" is its person's direction plus a per-file nudge.
const people = { ada: [1, 0, 0, 0], bob: [0, 1, 0, 0], cy: [0, 0, 1, 0] };
for (const [name] of Object.entries(people)) {
  mkdirSync(join(root, 'people', name), { recursive: true });
  for (let i = 0; i < 3; i++) writeFileSync(join(root, 'people', name, `${i}.jpg`), '');
}
writeFileSync(join(root, 'people', 'notes.txt'), '');
writeFileSync(join(root, 'people', 'bob', 'noface.png'), '');

/** A stand-in pipeline: the vector comes from the path; 'noface' files have no face. */
const pipeline: ImageEmbedder = {
  embedder: { name: 'toy', dim: 4, defaultMetric: 'cosine', thresholds: { cosine: 0.1 } } as EmbedderSpec,
  async represent(path: string) {
    if (path.includes('noface')) throw new FaceKitError('E_NO_FACE', 'no face found');
    const person = Object.entries(people).find(([n]) => path.includes(`${n}`))!;
    const i = Number(path.at(-5)) || 0;
    const vector = Float32Array.from(person[1], (x, j) => x + 0.05 * ((i + j) % 3));
    return [
      {
        embedding: { vector, embedder: 'toy' },
        face: { box: { x: 1, y: 2, width: 3, height: 4 }, score: 0.9, detector: 'fake' },
      },
    ] as unknown as Representation[];
  },
};

describe('image commands', () => {
  it('lists images and labels them by folder', async () => {
    const files = await listImages(join(root, 'people'));
    expect(files).toHaveLength(10);
    expect(files.every((f) => /\.(jpg|png)$/.test(f))).toBe(true);
    const labelled = await labelledImages(join(root, 'people'));
    expect(labelled.filter((x) => x.label === 'bob').map((x) => x.path.split('/').at(-1))).toEqual([
      '0.jpg',
      '1.jpg',
      '2.jpg',
      'noface.png',
    ]);
    await expect(listImages(join(root, 'nope'))).rejects.toMatchObject({ code: 'E_IO' });
  });

  it('enrols a folder, reports failures, and identifies with progress', async () => {
    const g = await SqliteGallery.open(join(root, 'g.db'));
    const progress: number[] = [];
    const items = (await labelledImages(join(root, 'people'))).filter((x) => !x.path.endsWith('2.jpg'));
    const r = await enrollImages(g, pipeline, items, { batchSize: 2, onProgress: (d) => progress.push(d) });
    expect(r.enrolled).toHaveLength(6);
    expect(r.failed).toEqual([expect.objectContaining({ code: 'E_NO_FACE' })]);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(Object.fromEntries(await g.labels())).toEqual({ ada: 2, bob: 2, cy: 2 });

    const queries = ['ada', 'bob', 'cy'].map((n) => join(root, 'people', n, '2.jpg'));
    const found = await identifyImages(g, pipeline, [...queries, join(root, 'people', 'bob', 'noface.png')], {
      k: 2,
      threshold: 0.1,
    });
    expect(found.slice(0, 3).map((f) => f.faces?.[0].label)).toEqual(['ada', 'bob', 'cy']);
    expect(found[0].faces?.[0]).toMatchObject({ known: true, votes: 2, box: { x: 1, y: 2, width: 3, height: 4 } });
    expect(found[3]).toMatchObject({ code: 'E_NO_FACE' });
    await g.close();
  });

  it('clusters a folder into groups of paths', async () => {
    const files = await listImages(join(root, 'people'));
    const r = await clusterImages(pipeline, files);
    expect(r.method).toBe('agglomerative');
    // 0.95 of the verify distance; cosine is a squared distance, so the share is squared: 0.95² × 0.1.
    expect(r.threshold).toBeCloseTo(0.09025, 12);
    expect(r.failed.map((f) => f.code)).toEqual(['E_NO_FACE']);
    expect(r.clusters.map((c) => c.map((p) => p.split('/').slice(-2).join('/')))).toEqual([
      ['ada/0.jpg', 'ada/1.jpg', 'ada/2.jpg'],
      ['bob/0.jpg', 'bob/1.jpg', 'bob/2.jpg'],
      ['cy/0.jpg', 'cy/1.jpg', 'cy/2.jpg'],
    ]);
    const km = await clusterImages(pipeline, files, { method: 'kmeans', k: 3 });
    expect(km.clusters.map((c) => c.length)).toEqual([3, 3, 3]);
  });
});
