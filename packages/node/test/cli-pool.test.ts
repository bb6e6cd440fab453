// The built `facekit` bin on the embedding pool (worker threads): represent over a folder, enroll twice (the re-run
// skips), and `bench enroll`.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveShared, lfwDir, lfwImage } from '../../../test/utils.js';
import { buildPackages } from './build.js';
import { runBin } from './helpers.js';

const hasLfw = haveShared(lfwDir, 'LFW (pool CLI tests)');
const dir = mkdtempSync(join(tmpdir(), 'facekit-cli-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasLfw)('facekit on worker threads (built bin)', () => {
  beforeAll(async () => {
    await buildPackages();
    for (const [person, n] of [
      ['Colin_Powell', 2],
      ['Tony_Blair', 2],
    ] as const) {
      mkdirSync(join(dir, 'people', person), { recursive: true });
      for (let i = 1; i <= n; i++) copyFileSync(lfwImage(person, i), join(dir, 'people', person, `${i}.jpg`));
    }
    writeFileSync(join(dir, 'people', 'Tony_Blair', 'broken.jpg'), 'not a jpeg');
  }, 300_000);

  it('represent over a folder: one JSON line per image in order, a bad file on its own line', async () => {
    const r = await runBin(['represent', join(dir, 'people'), '--workers', '2', '--json']);
    expect(r.code, r.err).toBe(0);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.path.split('/').slice(-2).join('/'))).toEqual([
      'Colin_Powell/1.jpg',
      'Colin_Powell/2.jpg',
      'Tony_Blair/1.jpg',
      'Tony_Blair/2.jpg',
      'Tony_Blair/broken.jpg',
    ]);
    expect(lines[4].error.code).toBe('E_DECODE');
    for (const l of lines.slice(0, 4)) expect(l.faces[0].embedding).toHaveLength(128);
    // The pool's vector of an image is the single-image command's.
    const one = await runBin(['represent', join(dir, 'people', 'Tony_Blair', '1.jpg'), '--json']);
    const single = JSON.parse(one.out).faces[0].embedding as number[];
    const maxDiff = Math.max(...single.map((x, i) => Math.abs(x - lines[2].faces[0].embedding[i])));
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
  }, 240_000);

  it('enroll --dir twice: the second run embeds nothing and skips every enrolled file', async () => {
    const db = join(dir, 'faces.db');
    const first = await runBin(['enroll', '--db', db, '--dir', join(dir, 'people'), '--workers', '2', '--json']);
    expect(first.code, first.err).toBe(0);
    const a = JSON.parse(first.out);
    expect(a.enrolled).toHaveLength(4);
    expect(a.failed.map((f: { code: string }) => f.code)).toEqual(['E_DECODE']);
    const second = await runBin(['enroll', '--db', db, '--dir', join(dir, 'people'), '--json']);
    expect(second.code, second.err).toBe(0);
    const b = JSON.parse(second.out);
    expect(b.enrolled).toEqual([]);
    expect(b.skipped).toHaveLength(4);
    expect(b.gallery.size).toBe(4);
    const text = await runBin(['enroll', '--db', db, '--dir', join(dir, 'people')]);
    expect(text.out).toMatch(/4 file\(s\) already enrolled, skipped/);
  }, 240_000);

  it('bench enroll --json: one worker and all cores on the same images, speedup and re-run share', async () => {
    const r = await runBin([
      'bench',
      'enroll',
      '--images',
      join(dir, 'people'),
      '--limit',
      '4',
      '--workers',
      '2',
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ images: 4, cores: 2, oneWorker: { workers: 1 }, allCores: { workers: 2 } });
    for (const k of ['speedup', 'rerunShare', 'rerunSeconds']) expect(j[k], k).toBeGreaterThan(0);
    expect(j.speedup).toBeCloseTo(j.allCores.imagesPerSecond / j.oneWorker.imagesPerSecond, 10);
    expect(r.err).toMatch(/enrolling, 2 worker\(s\), re-run: 100%/);
  }, 300_000);
});
