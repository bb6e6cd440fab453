import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../../scripts/build-wasm.mjs';
import {
  ExactIndex,
  Gallery,
  gaussian,
  PqScanIndex,
  pqIndexFactory,
  pqScanSupported,
  seededRandom,
} from '../src/index.js';
import { scanKernel } from '../src/gallery/pq-kernel.js';
import { PQ_SCAN_WASM_BASE64 } from '../src/gallery/pq-scan-wasm.js';
import { randomUnits } from '../../../test/random-units.js';
import { codeOf } from '../../../test/utils.js';

const units = randomUnits;
const row = (data: Float32Array, dim: number, i: number) => data.subarray(i * dim, (i + 1) * dim);

describe('the fast-scan kernel', () => {
  it('compiles here (Node has WebAssembly SIMD), so galleries get the PQ index by default', () => {
    expect(pqScanSupported()).toBe(true);
  });

  it('is the assembly of pq-scan.wat (run `node scripts/build-wasm.mjs` after editing it)', async () => {
    const wat = fileURLToPath(new URL('../src/gallery/pq-scan.wat', import.meta.url));
    expect((await assemble(wat)).toString('base64')).toBe(PQ_SCAN_WASM_BASE64);
  });

  it('sums each vector’s table entries exactly, up to the largest u16 sums', () => {
    const rand = seededRandom(3);
    for (const [m, nBlocks, maxEntry] of [
      [2, 1, 255],
      [64, 5, 200],
      [256, 3, 255], // 256 · 255 = 65,280: the carry trick must stay exact at the top of the u16 range
    ] as const) {
      const k = scanKernel();
      const codesAt = m * 16;
      const outAt = codesAt + nBlocks * m * 16;
      k.memory.grow(Math.ceil((outAt + nBlocks * 64) / 65_536));
      const mem = new Uint8Array(k.memory.buffer);
      const lut = Array.from({ length: m * 16 }, () =>
        maxEntry === 255 && rand() < 0.5 ? 255 : Math.floor(rand() * maxEntry),
      );
      mem.set(lut, 0);
      const codes = Array.from({ length: nBlocks * 32 }, () =>
        Array.from({ length: m }, () => Math.floor(rand() * 16)),
      );
      codes.forEach((c, v) => {
        const block = v >> 5;
        for (let s = 0; s < m; s++) {
          const at = codesAt + block * m * 16 + s * 16 + (v & 15);
          mem[at] = (v & 31) >= 16 ? (mem[at] & 0x0f) | (c[s] << 4) : (mem[at] & 0xf0) | c[s];
        }
      });
      k.scan(codesAt, nBlocks, m, 0, outAt);
      const scores = new Uint16Array(k.memory.buffer, outAt, nBlocks * 32);
      const expected = codes.map((c) => c.reduce((sum, code, s) => sum + lut[s * 16 + code], 0));
      expect(Array.from(scores)).toEqual(expected);
      // `above` keeps every row at or over the threshold, in row order, and counts past its cap.
      const t = expected.slice().sort((a, b) => b - a)[9];
      const idxAt = outAt + nBlocks * 64;
      k.memory.grow(1);
      const count = k.above(outAt, nBlocks * 32, t, idxAt, 4);
      const want = expected.flatMap((x, i) => (x >= t ? [i] : []));
      expect(count).toBe(want.length);
      expect(Array.from(new Uint32Array(k.memory.buffer, idxAt, 4))).toEqual(want.slice(0, 4));
    }
  });
});

describe('PqScanIndex', () => {
  it('finds the exact nearest neighbour among its candidates for random and near queries', () => {
    const dim = 64;
    const n = 6000;
    const data = units(n, dim, 1);
    const ids = Array.from({ length: n }, (_, i) => 10 + 3 * i);
    const pq = new PqScanIndex(dim, { trainSize: 2048 });
    // In uneven batches, across training and memory growth.
    for (const [from, to] of [
      [0, 1000],
      [1000, 2500],
      [2500, 2501],
      [2501, n],
    ]) {
      pq.add(ids.slice(from, to), data.subarray(from * dim, to * dim));
    }
    expect(pq.trained).toBe(true);
    expect(pq.trainedOn).toBe(2048); // 2,048 of the 2,500 held when the second add passed trainSize
    expect(pq.size).toBe(n);
    expect(pq.bytesPerVector).toBe(16);
    const exact = new ExactIndex(dim);
    exact.add(ids, data);
    const queries = units(200, dim, 2);
    const rand = seededRandom(4);
    let random = 0;
    let near = 0;
    const errors: number[] = [];
    for (let q = 0; q < 200; q++) {
      const query = row(queries, dim, q);
      const truth = exact.search(query, 1)[0];
      const found = pq.search(query, pq.candidates);
      expect(found).toHaveLength(pq.candidates);
      if (found.some((h) => h.id === truth.id)) random++;
      // Candidates come best first, with distances that approximate 1 − cos.
      for (let i = 1; i < found.length; i++) expect(found[i].distance).toBeGreaterThanOrEqual(found[i - 1].distance);
      const hit = found.find((h) => h.id === truth.id);
      if (hit) errors.push(Math.abs(hit.distance - truth.distance));
      // A new photo of an enrolled person: an enrolled vector plus noise.
      const source = Math.floor(rand() * n);
      const probe = Float32Array.from(row(data, dim, source), (x) => x + 0.06 * gaussian(rand));
      const nearTruth = exact.search(probe, 1)[0];
      if (pq.search(probe, 20).some((h) => h.id === nearTruth.id)) near++;
    }
    expect(random / 200).toBeGreaterThanOrEqual(0.99);
    expect(near).toBe(200);
    // 4-bit codes of 2-D sub-vectors: the approximate distances are off by a few hundredths (more for the
    // nearest neighbours, whose extreme dot products quantisation pulls towards the mean).
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThan(0.08);
  });

  it('is exact until trained, and removes rows before and after training', () => {
    const dim = 9; // 5 sub-quantisers of 2 dims, the last one 1-D, padded to an even 6 for the kernel
    const data = units(300, dim, 5);
    const exact = new ExactIndex(dim);
    const pq = new PqScanIndex(dim, { trainSize: 200, candidates: 30 });
    const ids = Array.from({ length: 300 }, (_, i) => i);
    pq.add(ids.slice(0, 100), data.subarray(0, 100 * dim));
    exact.add(ids.slice(0, 100), data.subarray(0, 100 * dim));
    expect(pq.trained).toBe(false);
    const q = row(units(1, dim, 6), dim, 0);
    expect(pq.search(q, 5)).toEqual(
      exact.search(q, 5).map((h) => ({ id: h.id, distance: expect.closeTo(h.distance, 6) })),
    );
    expect(pq.remove(7)).toBe(true);
    expect(pq.remove(7)).toBe(false);
    exact.remove(7);
    expect(
      pq
        .search(q, 99)
        .map((h) => h.id)
        .sort(),
    ).toEqual(
      exact
        .search(q, 99)
        .map((h) => h.id)
        .sort(),
    );
    pq.add(ids.slice(100), data.subarray(100 * dim));
    exact.add(ids.slice(100), data.subarray(100 * dim));
    expect(pq.trained).toBe(true);
    expect(pq.size).toBe(299);
    // Removing moves the last row's codes into the hole: every other vector keeps its approximate distance.
    const before = new Map(pq.search(q, 299).map((h) => [h.id, h.distance]));
    expect(pq.remove(3)).toBe(true);
    const after = pq.search(q, 299);
    expect(after.map((h) => h.id)).not.toContain(3);
    for (const h of after) expect(h.distance).toBe(before.get(h.id));
    expect(pq.search(q, 500)).toHaveLength(298);
    expect(codeOf(() => pq.add([5], row(data, dim, 5)))).toBe('E_INPUT');
    expect(codeOf(() => pq.search(new Float32Array(3), 1))).toBe('E_INPUT');
    pq.dispose();
    expect(pq.size).toBe(0);
  });

  it('trains on trainSize vectors spread over one large add, and finds its vectors after', () => {
    const dim = 16;
    const data = units(5000, dim, 9);
    const ids = Array.from({ length: 5000 }, (_, i) => i);
    const pq = new PqScanIndex(dim, { trainSize: 512, candidates: 128 });
    pq.add(ids, data);
    expect(pq.trained).toBe(true);
    expect(pq.trainedOn).toBe(512); // not all 5,000: k-means time stays bounded however much one add brings
    const exact = new ExactIndex(dim);
    exact.add(ids, data);
    const queries = units(50, dim, 10);
    let found = 0;
    for (let q = 0; q < 50; q++) {
      const query = row(queries, dim, q);
      if (pq.search(query, 128).some((h) => h.id === exact.search(query, 1)[0].id)) found++;
    }
    expect(found).toBeGreaterThanOrEqual(49);
  });

  it('refuses options that cannot work', () => {
    expect(codeOf(() => new PqScanIndex(1024, { subDim: 2 }))).toBe('E_CONFIG'); // 512 sub-quantisers
    expect(new PqScanIndex(1024).bytesPerVector).toBe(128); // 4 dims each by default
    expect(codeOf(() => new PqScanIndex(64, { trainSize: 8 }))).toBe('E_CONFIG');
    expect(codeOf(() => new PqScanIndex(64, { candidates: 0 }))).toBe('E_CONFIG');
    expect(codeOf(() => new PqScanIndex(0))).toBe('E_CONFIG');
  });

  it('is the gallery’s default approximate index, and identify re-ranks its candidates exactly', () => {
    const dim = 32;
    const data = units(3000, dim, 7);
    const g = new Gallery({ annMinSize: 2500, metric: 'cosine' });
    g.enrollMany(
      Array.from({ length: 3000 }, (_, i) => ({
        label: `p${i}`,
        embedding: { vector: row(data, dim, i), embedder: 'x' },
      })),
    );
    const queries = units(50, dim, 8);
    let same = 0;
    for (let q = 0; q < 50; q++) {
      const e = { vector: row(queries, dim, q), embedder: 'x' };
      const [ann] = g.nearest(e, 1);
      const [exact] = g.nearest(e, 1, 'cosine', true);
      if (ann.id === exact.id) {
        same++;
        expect(ann.distance).toBeCloseTo(exact.distance, 6);
      }
    }
    expect(g.activeIndex).toBe('pq-scan');
    expect(same).toBeGreaterThanOrEqual(49);
    const off = new Gallery({ ann: false, index: 'auto', annMinSize: 1 });
    off.enroll('a', { vector: row(data, dim, 0), embedder: 'x' });
    expect(off.activeIndex).toBe('exact');
  });
});

describe('pqIndexFactory', () => {
  it('makes indexes of the asked dimension with the given options', () => {
    const ix = pqIndexFactory({ candidates: 77 })(16);
    expect(ix.dim).toBe(16);
    expect(ix.candidates).toBe(77);
    expect(ix.kind).toBe('pq-scan');
  });
});
