import { ExactIndex } from '@facekit/core';
import { describe, expect, it } from 'vitest';
import { randomUnits } from '../../../test/random-units.js';
import { benchGallery } from '../src/entries/bench.js';
import { UsearchIndex } from '../src/gallery/index.js';

const units = randomUnits;

describe('UsearchIndex', () => {
  it('adds, removes and finds by cosine distance', () => {
    const ix = new UsearchIndex(2);
    ix.add([5, 9, 12], Float32Array.from([1, 0, 0, 1, Math.SQRT1_2, Math.SQRT1_2]));
    expect(ix.size).toBe(3);
    const hits = ix.search(Float32Array.from([1, 0]), 10);
    expect(hits.map((h) => h.id)).toEqual([5, 12, 9]);
    expect(hits[1].distance).toBeCloseTo(1 - Math.SQRT1_2, 5);
    expect(ix.remove(5)).toBe(true);
    expect(ix.search(Float32Array.from([1, 0]), 1)[0].id).toBe(12);
    expect(ix.size).toBe(2);
    ix.dispose();
    expect(ix.size).toBe(0);
  });

  it('finds the exact nearest neighbour of ≥ 99 % of random 64-D queries over 5,000 vectors', () => {
    const dim = 64;
    const n = 5000;
    const data = units(n, dim, 1);
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    const ann = new UsearchIndex(dim);
    ann.add(ids, data);
    const exact = new ExactIndex(dim);
    exact.add(ids, data);
    const queries = units(200, dim, 2);
    let hits = 0;
    for (let q = 0; q < 200; q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim);
      if (ann.search(query, 1)[0].id === exact.search(query, 1)[0].id) hits++;
    }
    expect(hits / 200).toBeGreaterThanOrEqual(0.99);
  });
});

describe('benchGallery', () => {
  it.each([
    ['pq-scan', { trainSize: 1024 }],
    ['usearch-hnsw', { kind: 'hnsw' as const }],
  ])('reports build time, speed and recall of %s for a small gallery', async (kind, ann) => {
    const phases: string[] = [];
    const r = await benchGallery({ size: 3000, dim: 32, queries: 100, ann, onProgress: (p) => phases.push(p) });
    expect(r).toMatchObject({ size: 3000, dim: 32, queries: 100 });
    expect(r.ann!.kind).toBe(kind);
    expect(r.ann!.candidates).toBe(kind === 'pq-scan' ? 256 : 10);
    expect(r.exact.msPerQuery).toBeGreaterThan(0);
    expect(r.exact.queriesPerSecond).toBeCloseTo(1000 / r.exact.msPerQuery, 6);
    expect(r.ann!.recallAt1).toBeGreaterThanOrEqual(0.97);
    expect(r.ann!.near.recallAt1).toBeGreaterThanOrEqual(0.99);
    expect(r.ann!.near.msPerQuery).toBeGreaterThan(0);
    expect(r.ann!.buildMs).toBeGreaterThan(0);
    expect(phases).toContain('build ann');
    const exactOnly = await benchGallery({ size: 500, dim: 8, queries: 10, ann: false });
    expect(exactOnly.ann).toBeUndefined();
  });
});
