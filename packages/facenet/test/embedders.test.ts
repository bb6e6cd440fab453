import { type FaceKitError, type ModelContext, isFaceKitError, models, weightsEntry } from '@facekit/core';
import { ARCFACE_112, facenetSpec, openfaceTemplate, prewhiten, scaleToUnit } from '@facekit/facenet';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { haveShared, modelFiles } from '../../../test/utils.js';
import { agreement, fixtureDir, readFixtureTensor, readFixtureWeights, withinTolerance } from './fixture-utils.js';

describe('embedder specs', () => {
  it("registers deepface's published weights files in core's catalogue, with their canonical URLs", () => {
    const base = 'https://github.com/serengil/deepface_models/releases/download/v1.0/';
    expect(weightsEntry('facenet')).toMatchObject({ url: `${base}facenet_weights.h5`, file: 'facenet_weights.h5' });
    expect(weightsEntry('facenet512').url).toBe(`${base}facenet512_weights.h5`);
    expect(weightsEntry('openface')).toMatchObject({ url: `${base}openface_weights.h5`, embedder: 'openface' });
    // deepface publishes no digest for its own files.
    expect(weightsEntry('facenet').sha256).toBeUndefined();
  });

  it('registers facenet, facenet512 and openface with their sizes and deepface thresholds', () => {
    const f = models.embedders.get('facenet');
    const f512 = models.embedders.get('facenet512');
    const o = models.embedders.get('openface');
    expect([f.dim, f512.dim, o.dim]).toEqual([128, 512, 128]);
    expect(f.template.size).toEqual([160, 160]);
    expect(o.template.size).toEqual([96, 96]);
    for (const s of [f, f512, o]) {
      expect(s.template.source).toBe('five');
      expect(s.template.points).toHaveLength(5);
      for (const [x, y] of s.template.points) {
        expect(x).toBeGreaterThan(0);
        expect(x).toBeLessThan(s.template.size[1]);
        expect(y).toBeGreaterThan(0);
        expect(y).toBeLessThan(s.template.size[0]);
      }
      // Left eye left of right eye, eyes above nose above mouth.
      const [le, re, nose, ml] = s.template.points;
      expect(le[0]).toBeLessThan(re[0]);
      expect(le[1]).toBeLessThan(nose[1]);
      expect(nose[1]).toBeLessThan(ml[1]);
    }
    expect(f.thresholds).toEqual({ cosine: 0.4, euclidean: 10, 'euclidean-l2': 0.8, 'squared-l2': 0.64 });
    expect(f512.thresholds.cosine).toBe(0.3);
    expect(o.thresholds).toMatchObject({ cosine: 0.1, euclidean: 0.55, 'euclidean-l2': 0.55 });
    expect([f.normalized, f512.normalized, o.normalized]).toEqual([false, false, true]);
  });

  it('templates: InsightFace scaled, OpenFace from its dlib template', () => {
    expect(facenetSpec.template.points[2][0]).toBeCloseTo(80 + ((ARCFACE_112[2][0] * 160) / 112 - 80) * 0.85, 6);
    const t = openfaceTemplate(96);
    expect(t.points[0][0]).toBeCloseTo(26.63, 1);
    expect(t.points[1][1]).toBeCloseTo(15.26, 1);
  });

  it('without weights: E_WEIGHTS_MISSING telling the user what to do', async () => {
    const ctx: ModelContext = { files: modelFiles };
    for (const name of ['facenet', 'facenet512', 'openface']) {
      const e = await models.embedders
        .get(name)
        .create(ctx)
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(isFaceKitError(e, 'E_WEIGHTS_MISSING'), String(e)).toBe(true);
      expect((e as Error).message).toContain('weightsPath option');
      expect((e as Error).message).toContain(`pull('${name}')`);
      expect((e as FaceKitError).details).toEqual({ model: name });
    }
  });
});

describe('preprocessing', () => {
  it('prewhiten standardises each image (population std) and scaleToUnit divides by 255', () => {
    const x = tf.tensor4d([0, 255, 10, 20, 30, 40, 50, 60, 7, 7, 7, 7], [2, 1, 2, 3]);
    const y = prewhiten(x);
    const [a, b] = tf.split(y, 2);
    for (const t of [a, b]) {
      const { mean, variance } = tf.moments(t);
      expect(mean.dataSync()[0]).toBeCloseTo(0, 5);
      expect(variance.dataSync()[0]).toBeCloseTo(1, 4);
      tf.dispose([mean, variance]);
    }
    expect(Array.from(scaleToUnit(x).dataSync().slice(0, 2))).toEqual([0, 1]);
    // A flat image does not divide by zero.
    const flat = prewhiten(tf.fill([1, 4, 4, 3], 9) as tf.Tensor4D);
    expect(Array.from(flat.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, y, a, b, flat]);
  });
});

const ctxWith = (weights: Uint8Array, path = '/weights/file.h5'): ModelContext => ({
  files: modelFiles,
  weightsPath: path,
  readFile: async (p) => {
    expect(p).toBe(path);
    return weights;
  },
});

describe.runIf(haveShared(fixtureDir('openface'), 'Keras openface fixture'))('openface embedder', () => {
  it('loads from ctx.weightsPath, embeds 0..255 faces like the reference, leaks nothing', async () => {
    const embedder = await models.embedders.get('openface').create(ctxWith(readFixtureWeights('openface')));
    const input = readFixtureTensor('openface', 'input'); // [0, 1]
    const faces = tf.mul(input, 255) as tf.Tensor4D;
    const ref = readFixtureTensor('openface', 'expected_output');
    try {
      expect(embedder.dim).toBe(128);
      const vs = await embedder.embed(faces);
      expect(vs).toHaveLength(3);
      for (const v of vs) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      const got = tf.tensor2d(
        vs.flatMap((v) => [...v]),
        [3, 128],
      );
      const a = agreement(got, ref);
      got.dispose();
      expect(withinTolerance(a), JSON.stringify(a)).toBe(true);
      // Another size is resized to 96×96 first.
      const big = tf.image.resizeBilinear(faces, [120, 120]);
      expect((await embedder.embed(big))[0]).toHaveLength(128);
      big.dispose();
      expect(await embedder.embed(tf.zeros([0, 96, 96, 3]) as tf.Tensor4D)).toEqual([]);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await embedder.embed(faces);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      tf.dispose([input, faces, ref]);
      embedder.dispose();
    }
  });

  it('the store path (ctx.weights) is used when no path is given; a wrong file is E_WEIGHTS_FORMAT', async () => {
    const asked: string[] = [];
    const bytes = readFixtureWeights('openface');
    const ctx: ModelContext = {
      files: modelFiles,
      weights: async (name) => {
        asked.push(name);
        return bytes;
      },
    };
    const e = await models.embedders.get('openface').create(ctx);
    e.dispose();
    expect(asked).toEqual(['openface']);
    const err = await models.embedders
      .get('facenet')
      .create(ctx)
      .then(
        () => undefined,
        (x: unknown) => x,
      );
    expect(isFaceKitError(err, 'E_WEIGHTS_FORMAT'), String(err)).toBe(true);
    expect(asked).toEqual(['openface', 'facenet']);
  });
});

describe.runIf(haveShared(fixtureDir('facenet128'), 'Keras facenet128 fixture'))('facenet embedder', () => {
  it('prewhitens and matches the reference (the fixture input is already standardised, so prewhitening is a no-op)', async () => {
    const embedder = await models.embedders.get('facenet').create(ctxWith(readFixtureWeights('facenet128')));
    const images = tf.getBackend() === 'cpu' ? 1 : 3; // the cpu backend takes seconds per image
    const input = readFixtureTensor('facenet128', 'input', images) as tf.Tensor4D;
    const ref = readFixtureTensor('facenet128', 'expected_output', images);
    try {
      const one = tf.slice(input, 0, 1);
      if (tf.getBackend() !== 'cpu') await embedder.embed(one); // warm-up for the timing
      one.dispose();
      const t0 = performance.now();
      const vs = await embedder.embed(input);
      const ms = (performance.now() - t0) / images;
      const got = tf.tensor2d(
        vs.flatMap((v) => [...v]),
        [images, 128],
      );
      const a = agreement(got, ref);
      got.dispose();
      console.log(
        `facenet embedder (${tf.getBackend()}): ${ms.toFixed(0)} ms per face (batch of ${images}), ${JSON.stringify(a)}`,
      );
      expect(withinTolerance(a), JSON.stringify(a)).toBe(true);
    } finally {
      tf.dispose([input, ref]);
      embedder.dispose();
    }
  });
});
