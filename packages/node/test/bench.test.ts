import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { haveShared, lfwDir } from '../../../test/utils.js';
import { benchLfw } from '../src/bench/lfw.js';
import { lfwImagesDir } from '../src/bench/lfw-layout.js';
import { buildPackages } from './build.js';
import { runBin } from './helpers.js';

const hasLfw = haveShared(lfwDir, 'LFW (bench tests)');
const devTest = join(lfwDir, 'pairsDevTest.txt');

describe.skipIf(!hasLfw)('benchLfw in-process (View 1 subset)', () => {
  it('embeds each distinct image once and reports the protocol numbers for every combination', async () => {
    const seen: number[] = [];
    const r = await benchLfw({
      data: lfwDir,
      pairs: devTest,
      folds: 2,
      limitPerFold: 4, // 2 folds × (4 matched + 4 mismatched) = 16 pairs
      embedders: ['dlib-resnet34'],
      aligners: ['2d', 'none'],
      pick: 'central',
      workers: 0,
      onProgress: (d) => seen.push(d),
    });
    expect(r.pairs).toBe(16);
    // Matched pairs share a person and sometimes an image: the distinct count is at most 2 per pair.
    expect(r.images).toBeLessThanOrEqual(32);
    expect(seen.at(-1)).toBe(r.images);
    expect(r.results.map((x) => `${x.embedder}|${x.aligner}`)).toEqual(['dlib-resnet34|2d', 'dlib-resnet34|none']);
    for (const x of r.results) {
      expect(x.metrics.map((m) => m.metric)).toEqual(['cosine', 'euclidean', 'euclidean-l2', 'squared-l2']);
      expect(x.foldThresholds).toHaveLength(2);
      expect(x.auc).toBeGreaterThan(0.5);
    }
    // The aligned dlib embedder separates these 16 pairs nearly perfectly; a broken pipeline sits near 50 %.
    expect(r.results[0].accuracy).toBeGreaterThanOrEqual(0.875);
    expect(r.accuracy).toBe(r.results[0].accuracy);
    expect(r.undetected).toBe(r.undetectedImages.length);
  });
});

describe.skipIf(!hasLfw)('facekit bench (built bin, worker threads)', () => {
  beforeAll(async () => {
    await buildPackages();
  }, 300_000);

  it('bench lfw --json: one fold pair of View 1 through two workers', async () => {
    const r = await runBin([
      'bench',
      'lfw',
      '--data',
      lfwDir,
      '--pairs',
      devTest,
      '--folds',
      '2',
      '--limit-per-fold',
      '5',
      '--workers',
      '2',
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    for (const k of ['accuracy', 'std', 'auc', 'eer', 'undetected', 'facesPerSecond', 'tarAtFar1e3']) {
      expect(typeof j[k], k).toBe('number');
    }
    expect(j.pairs).toBe(20);
    expect(j.workers).toBe(2);
    expect(j.embedder).toBe('dlib-resnet34');
    expect(j.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(r.err).toMatch(/embedding LFW images: 100%/); // progress on stderr, not stdout
  });

  it('bench speed --json: facekit and face-api on the same images, with the ratio', async () => {
    const images = join(lfwDir, 'images', 'Aaron_Peirsol');
    const r = await runBin(['bench', 'speed', '--images', images, '--limit', '4', '--workers', '1', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.images).toBe(4);
    expect(j.facekit.imagesPerSecond).toBeGreaterThan(0);
    expect(j.faceApi.imagesPerSecond).toBeGreaterThan(0);
    expect(j.ratio).toBeCloseTo(j.facekit.imagesPerSecond / j.faceApi.imagesPerSecond, 6);
  });

  it('bench lfw without data is E_CONFIG, one stderr line', async () => {
    const r = await runBin(['bench', 'lfw'], { FACEKIT_LFW_DIR: '' });
    expect(r.code).toBe(1);
    expect(r.err.trim()).toMatch(/^facekit: E_CONFIG: /);
  });
});

describe('lfwImagesDir: where the person folders of an LFW directory are', () => {
  it("facekit's images/, the official archives' top folders, or the directory itself", () => {
    const root = mkdtempSync(join(tmpdir(), 'facekit-lfw-layout-'));
    try {
      expect(lfwImagesDir(root)).toBe(root); // an unpacked archive pointed at directly
      for (const folder of ['lfw', 'lfw_funneled', 'lfw-deepfunneled', 'images']) {
        mkdirSync(join(root, folder));
        expect(lfwImagesDir(root)).toBe(join(root, folder)); // later ones take precedence, images/ first of all
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
