// The robustness benchmark: reproducible degradations, and the protocol run on a small View 2 subset.
import { join } from 'node:path';
import { decodeImageBytes } from '@facekit/node/advanced';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { haveShared, lfwDir, lfwImage } from '../../../test/utils.js';
import { benchLfwRobustness } from '../src/bench/lfw-robustness.js';
import { seededRandom } from '@facekit/core';
import { assertPerturbParams, DEFAULT_PERTURB, PERTURB_KINDS, perturbImage } from '../src/bench/perturb.js';
import { expectCode } from './helpers.js';

describe('perturbation parameters', () => {
  it('seededRandom repeats for a seed and differs between seeds', () => {
    const a = seededRandom(5);
    const b = seededRandom(5);
    const c = seededRandom(6);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('refuses out-of-range parameters with E_CONFIG', async () => {
    for (const bad of [{ jpegQuality: 0 }, { rotateMax: 5 }, { smallFace: 2 }, { sceneWidth: 100 }, { seed: 1.5 }]) {
      await expectCode(() => assertPerturbParams({ ...DEFAULT_PERTURB, ...bad }), 'E_CONFIG');
    }
  });
});

describe.runIf(haveShared(lfwDir, 'LFW (perturbations)'))('perturbImage', () => {
  const src = lfwImage('Aaron_Eckhart', 1);
  const other = lfwImage('Abdullah_Gul', 13);

  it('is deterministic per seed and item, and each kind changes the image as documented', async () => {
    for (const kind of PERTURB_KINDS) {
      const x = await perturbImage(kind, src, other, DEFAULT_PERTURB, 3);
      expect((await perturbImage(kind, src, other, DEFAULT_PERTURB, 3)).equals(x), kind).toBe(true);
      const meta = await sharp(x).metadata();
      expect(meta.format).toBe('jpeg');
      if (kind === 'small') expect([meta.width, meta.height]).toEqual([1280, 960]);
      if (kind === 'bystander') expect(meta.width).toBeGreaterThan(400);
      if (kind === 'jpeg-grey') expect(x.length).toBeLessThan(8000);
      if (kind === 'exif') expect([3, 6, 8]).toContain(meta.orientation);
      if (kind === 'rotate') expect(meta.width).toBeGreaterThan(250);
    }
    const seeds = await Promise.all(
      [1, 2].map((seed) => perturbImage('small', src, other, { ...DEFAULT_PERTURB, seed }, 3)),
    );
    expect(seeds[0].equals(seeds[1])).toBe(false);
  });

  it('exif: decoding applies the orientation, giving back the upright image', async () => {
    const t = await decodeImageBytes(await perturbImage('exif', src, other, DEFAULT_PERTURB, 1));
    expect(t.shape).toEqual([250, 250, 3]);
    const orig = await decodeImageBytes(await sharp(src).toBuffer());
    const diff = tf.tidy(() => tf.mean(tf.abs(tf.sub(t, orig))).dataSync()[0]);
    t.dispose();
    orig.dispose();
    expect(diff).toBeLessThan(6); // re-encoding only, not a turned image (~40)
  });
});

describe.runIf(haveShared(lfwDir, 'LFW (robustness bench)'))('benchLfwRobustness (20 View 2 pairs, in-process)', () => {
  it('reports clean and each kind per detector, with undetected counts', async () => {
    const r = await benchLfwRobustness({
      data: lfwDir,
      pairs: join(lfwDir, 'pairs.txt'),
      limitPerFold: 1, // 10 folds × (1 matched + 1 mismatched)
      detectors: ['blazeface'],
      perturb: ['jpeg-grey', 'exif'],
      workers: 0,
    });
    expect(r.pairs).toBe(20);
    expect(r.rows.map((x) => x.condition)).toEqual(['clean', 'jpeg-grey', 'exif']);
    for (const x of r.rows) {
      expect(x.accuracy).toBeGreaterThanOrEqual(0.85);
      expect(x.undetected).toBe(0);
    }
    expect(r.rows[0].images).toBeGreaterThan(20);
    expect(r.rows[1].images).toBe(20);
    expect(r.facesPerSecond.blazeface).toBeGreaterThan(0);
  });
});
