// `facekit enroll / identify / cluster / bench gallery` in-process, on a few real LFW images (default pipeline).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haveShared, lfwDir, lfwImage } from '../../../test/utils.js';
import { main } from '../src/cli.js';
import { dependencyError, importOptional } from '../src/gallery/optional-deps.js';
import { expectCode } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'facekit-cli-gallery-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), isTTY: false });
  return { code, out, err };
}

const PEOPLE = ['George_W_Bush', 'Colin_Powell', 'Tony_Blair'];

describe('gallery CLI without images', () => {
  it('refuses bad arguments with one E_ line', async () => {
    const db = join(dir, 'args.db');
    for (const [argv, code] of [
      [['enroll', '--db', db], 'E_INPUT'],
      [['enroll', '--db', db, '--dir', dir, 'ada', 'a.jpg'], 'E_INPUT'],
      [['identify', '--db', db, 'a.jpg', '--k', '0'], 'E_CONFIG'],
      [['cluster', dir, '--k', '3'], 'E_CONFIG'],
      [['cluster', dir, '--method', 'dbscan'], 'E_INPUT'],
      [['bench', 'gallery', '--size', '-1'], 'E_CONFIG'],
    ] as const) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^facekit: ${code}: \\S`))]);
    }
  });

  it('bench gallery reports exact and approximate (PQ, HNSW) speed and recall', async () => {
    // 9,000 vectors: past the PQ index's 8,192 training vectors, so its codes are searched.
    const pq = await cli('bench', 'gallery', '--size', '9000', '--dim', '16', '--queries', '50', '--json');
    expect(pq.code, pq.err).toBe(0);
    const p = JSON.parse(pq.out);
    expect(p).toMatchObject({ size: 9000, dim: 16, queries: 50, ann: { kind: 'pq-scan', candidates: 256 } });
    expect(p.ann.recallAt1).toBeGreaterThanOrEqual(0.98);
    const pqText = await cli(
      'bench',
      'gallery',
      '--size',
      '9000',
      '--dim',
      '16',
      '--queries',
      '20',
      '--candidates',
      '64',
    );
    expect(pqText.out).toMatch(/^ann pq-scan \(candidates 64, 64 candidates re-ranked\): build/m);
    const r = await cli(
      'bench',
      'gallery',
      '--size',
      '2000',
      '--dim',
      '16',
      '--queries',
      '50',
      '--index',
      'hnsw',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ size: 2000, dim: 16, queries: 50, ann: { kind: 'usearch-hnsw' } });
    expect(j.ann.recallAt1).toBeGreaterThanOrEqual(0.9);
    expect(j.ann.params).toMatchObject({ connectivity: 32, quantization: 'f32' });
    expect(r.err).toMatch(/^build ann: 100% \(2000\/2000\)$/m); // plain progress lines off a TTY
    const text = await cli('bench', 'gallery', '--size', '500', '--dim', '8', '--queries', '10', '--exact-only');
    expect(text.out).toMatch(/^500 random unit 8-D vectors, 10 queries\nexact: build .* ms\/query/);
    expect(text.out).not.toMatch(/^ann/m);
  });

  it('a missing optional package is E_DEPENDENCY naming the npm install', async () => {
    // Decided by the error's code and whether the package resolves, not by the message's text.
    const missing = Object.assign(new Error('any text'), { code: 'ERR_MODULE_NOT_FOUND' });
    expect(dependencyError('better-sqlite3', 'the SQLite gallery', missing, false).message).toBe(
      "the SQLite gallery needs the optional package 'better-sqlite3': npm install better-sqlite3",
    );
    // Installed here (a dev dependency), so a module-not-found is a broken install: reinstall or rebuild.
    const e = await expectCode(
      importOptional('better-sqlite3', 'the SQLite gallery', () => Promise.reject(missing)),
      'E_DEPENDENCY',
    );
    expect(e.message).toMatch(/the package 'better-sqlite3' failed to load \(any text\); reinstall it/);
    expect(dependencyError('usearch', 'the HNSW index', new Error('invalid ELF header')).message).toMatch(
      /failed to load \(invalid ELF header\); reinstall it \(npm install usearch\) or rebuild it/,
    );
  });
});

describe.runIf(haveShared(lfwDir, 'LFW'))('gallery CLI on LFW (3 people)', () => {
  // people/<name>/ holds images 1–2 of each person (enrolled), 3 is held out for identify, photos/ holds 5–7 for
  // cluster (Tony_Blair_0004 is an outlier that average linkage rightly leaves alone).
  const people = join(dir, 'people');
  const photos = join(dir, 'photos');
  for (const p of PEOPLE) {
    mkdirSync(join(people, p), { recursive: true });
    mkdirSync(photos, { recursive: true });
    for (const i of [1, 2]) symlinkSync(lfwImage(p, i), join(people, p, `${i}.jpg`));
    for (const i of [5, 6, 7]) symlinkSync(lfwImage(p, i), join(photos, `${p}_${i}.jpg`));
  }
  const db = join(dir, 'faces.db');

  it('enrolls a folder of people, then one more image by label', async () => {
    const r = await cli('enroll', '--db', db, '--dir', people, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.enrolled).toHaveLength(6);
    expect(j.failed).toEqual([]);
    expect(j.gallery).toMatchObject({ backend: 'sqlite', size: 6, embedder: 'dlib-resnet34', dim: 128 });
    expect(r.err).toMatch(/^enrolling: 100% \(6\/6\)$/m);
    const one = await cli('enroll', '--db', db, PEOPLE[0], lfwImage(PEOPLE[0], 6));
    expect(one.code, one.err).toBe(0);
    expect(one.out).toMatch(/^enrolled 1 face\(s\) of 1 label\(s\) into .*faces\.db \(7 faces, dlib-resnet34\)$/m);
  }, 120_000);

  it('identifies held-out images of the enrolled people', async () => {
    const held = PEOPLE.map((p) => lfwImage(p, 3));
    const r = await cli('identify', '--db', db, ...held, '--k', '3', '--json');
    expect(r.code, r.err).toBe(0);
    const { results } = JSON.parse(r.out);
    expect(results.map((x: { faces: Array<{ label: string }> }) => x.faces[0].label)).toEqual(PEOPLE);
    expect(results[0].faces[0]).toMatchObject({ known: true, metric: expect.any(String) });
    expect(results[0].faces[0].matches).toHaveLength(3);
    const text = await cli('identify', '--db', db, held[1]);
    expect(text.out).toMatch(new RegExp(`^${held[1]}: ${PEOPLE[1]}, distance \\d\\.\\d{4} `));
    const missing = await cli('identify', '--db', join(dir, 'nope.db'), held[0]);
    expect(missing.err).toMatch(/^facekit: E_IO: cannot open gallery/);
  }, 120_000);

  it('clusters a folder into its people (JSON: groups of file paths)', async () => {
    const r = await cli('cluster', photos, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const groups = (j.clusters as string[][]).map((c) =>
      c.map((p) =>
        p
          .split('/')
          .at(-1)!
          .replace(/_\d+\.jpg$/, ''),
      ),
    );
    expect(groups).toHaveLength(3);
    for (const g of groups) expect(new Set(g).size).toBe(1);
    expect(j.method).toBe('agglomerative');
    // bench cluster on an LFW-shaped folder of the same 9 photos (the full run is in the README).
    const lfw = join(dir, 'lfw');
    for (const p of PEOPLE) {
      mkdirSync(join(lfw, 'images', p), { recursive: true });
      for (const i of [5, 6, 7]) symlinkSync(lfwImage(p, i), join(lfw, 'images', p, `${p}_${i}.jpg`));
    }
    mkdirSync(join(lfw, 'images', 'Solo'));
    symlinkSync(lfwImage(PEOPLE[0], 8), join(lfw, 'images', 'Solo', 'Solo_1.jpg')); // below --min-images
    const b = await cli('bench', 'cluster', '--data', lfw, '--min-images', '3', '--method', 'agglomerative,kmeans');
    expect(b.code, b.err).toBe(0);
    expect(b.out).toMatch(/^LFW people with ≥ N images: 3 people, 9 images \(0 not embedded\), dlib-resnet34/);
    expect(b.out).toMatch(/^agglomerative +3 clusters, BCubed P 1\.0000 R 1\.0000 F1 1\.0000, threshold /m);
    expect(b.out).toMatch(/^kmeans +3 clusters, .* F1 1\.0000 \(k = people\), [\d.]+ s, peak RSS \d+ MiB$/m);
    const bj = JSON.parse(
      (await cli('bench', 'cluster', '--data', lfw, '--min-images', '3', '--method', 'agglomerative', '--json')).out,
    );
    expect(bj.size).toBe(9);
    expect(bj.results).toHaveLength(1);
    expect(bj.results[0]).toMatchObject({ method: 'agglomerative', graph: 'full', clusters: 3, f1: 1 });
    expect(bj.results[0].seconds).toBeGreaterThanOrEqual(0);
    expect(bj.results[0].peakRssMiB).toBeGreaterThan(0);
    const km = await cli('cluster', photos, '--method', 'kmeans', '--k', '3');
    expect(km.out).toMatch(/^3 cluster\(s\) of 9 image\(s\), kmeans$/m);
  }, 120_000);
});
