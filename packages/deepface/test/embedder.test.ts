import { FaceKitError, findWeightsEntry, type ModelContext, models, weightsEntry } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../src/index.js';
import { DEEPFACE_TEMPLATE, DEEPFACE_WEIGHTS_URL, DeepFaceEmbedder } from '../src/embedder.js';
import { DeepFaceModel } from '../src/model.js';
import { relError, smallDeepFace } from './naive.js';

const files = async () => {
  throw new FaceKitError('E_WEIGHTS_MISSING', 'no bundled files here');
};

describe('deepface embedder spec', () => {
  it("registers its weights in core's catalogue once: deepface's URL, the zip's member and its author's MD5", () => {
    expect(weightsEntry('deepface')).toBe(findWeightsEntry('deepface'));
    expect(weightsEntry('deepface')).toMatchObject({
      format: 'keras-h5-zip',
      file: 'VGGFace2_DeepFace_weights_val-0.9034.h5',
      url: DEEPFACE_WEIGHTS_URL,
    });
    expect(weightsEntry('deepface').url).toMatch(/\/VGGFace2_DeepFace_weights_val-0\.9034\.h5\.zip$/);
    // swghosh/DeepFace pins its archive by MD5 (deepface/deepface.py); no sha256 is published.
    expect(weightsEntry('deepface').md5).toBe('0b21fb70cd6901c96c19ac14c9ea8b89');
  });

  it('is registered with the 152×152 template, 4096-D output and deepface thresholds', () => {
    const spec = models.embedders.get('deepface');
    expect(spec.dim).toBe(4096);
    expect(spec.template.size).toEqual([152, 152]);
    expect(spec.template.source).toBe('five');
    expect(spec.normalized).toBe(false);
    expect(spec.defaultMetric).toBe('cosine');
    expect(spec.thresholds).toEqual({ cosine: 0.23, euclidean: 64, 'euclidean-l2': 0.64, 'squared-l2': 0.4096 });
  });

  it('places the template points like a face: eyes level, nose below, mouth below, symmetric', () => {
    const [le, re, nose, ml, mr] = DEEPFACE_TEMPLATE.points;
    expect(le[1]).toBeCloseTo(re[1], 6);
    expect(le[0] + re[0]).toBeCloseTo(152, 0);
    expect(nose[0]).toBeCloseTo(76, 0);
    expect(le[1]).toBeGreaterThan(40);
    expect(nose[1]).toBeGreaterThan(le[1] + 20);
    expect(ml[1]).toBeGreaterThan(nose[1] + 20);
    expect(ml[1]).toBeLessThan(120);
    expect(re[0] - le[0]).toBeGreaterThan(45);
    expect(mr[0] - ml[0]).toBeLessThan(re[0] - le[0]);
  });

  it('without weights fails with E_WEIGHTS_MISSING saying how to fix it', async () => {
    const spec = models.embedders.get('deepface');
    await expect(spec.create({ files })).rejects.toMatchObject({ code: 'E_WEIGHTS_MISSING' });
    await expect(spec.create({ files })).rejects.toThrow(
      /weightsPath option .*VGGFace2_DeepFace_weights_val-0\.9034\.h5/,
    );
    const store: ModelContext = {
      files,
      weights: async (name) => {
        throw new FaceKitError('E_WEIGHTS_MISSING', `${name} is not in the cache`);
      },
    };
    await expect(spec.create(store)).rejects.toThrow(/not in the cache.*weightsPath/);
  });

  it('reads weightsPath with ctx.readFile (else ctx.weights) and rejects a file that is not Keras weights', async () => {
    const read: string[] = [];
    const withReadFile: ModelContext = {
      files,
      weightsPath: '/w/df.h5',
      readFile: async (p) => {
        read.push(p);
        return new Uint8Array(1000).fill(7);
      },
    };
    await expect(models.embedders.get('deepface').create(withReadFile)).rejects.toMatchObject({
      code: 'E_WEIGHTS_FORMAT',
    });
    expect(read).toEqual(['/w/df.h5']);
    const asked: Array<[string, { path?: string } | undefined]> = [];
    const ctx: ModelContext = {
      files,
      weightsPath: '/w/df.h5',
      weights: async (name, o) => {
        asked.push([name, o]);
        return new Uint8Array(1000).fill(7);
      },
    };
    await expect(models.embedders.get('deepface').create(ctx)).rejects.toMatchObject({ code: 'E_WEIGHTS_FORMAT' });
    expect(asked).toEqual([['deepface', { path: '/w/df.h5' }]]);
  });
});

describe('DeepFaceEmbedder', () => {
  const small = smallDeepFace({ f7: 24, classes: 0 });

  it('feeds faces/255 (resized to the input, optionally BGR) to the network in chunks, leaking nothing', async () => {
    const net = DeepFaceModel.random(small, 5);
    const embedder = new DeepFaceEmbedder(net, { batchSize: 2 });
    const bgr = new DeepFaceEmbedder(net, { channels: 'bgr' });
    const faces = tf.tidy(() => tf.round(tf.randomUniform([3, 80, 80, 3], 0, 255, 'float32', 2))) as tf.Tensor4D;
    const big = tf.tidy(() => tf.image.resizeBilinear(faces, [160, 160], true)) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const vs = await embedder.embed(faces);
    const vb = await bgr.embed(faces);
    const vr = await embedder.embed(big);
    expect(tf.memory().numTensors).toBe(before);
    expect(vs.length).toBe(3);
    expect(vs[0].length).toBe(24);
    const ref = tf.tidy(() => net.predict(tf.div(faces, 255) as tf.Tensor4D).arraySync() as number[][]);
    const refBgr = tf.tidy(
      () => net.predict(tf.div(tf.reverse(faces, 3), 255) as tf.Tensor4D).arraySync() as number[][],
    );
    for (let i = 0; i < 3; i++) {
      expect(relError(vs[i], ref[i])).toBeLessThan(1e-6);
      expect(relError(vb[i], refBgr[i])).toBeLessThan(1e-6);
      expect(relError(vb[i], ref[i])).toBeGreaterThan(1e-3);
      expect(vr[i].length).toBe(24);
    }
    await expect(embedder.embed(tf.zeros([1, 80, 80]) as unknown as tf.Tensor4D)).rejects.toMatchObject({
      code: 'E_INPUT',
    });
    tf.dispose([faces, big]);
    embedder.dispose();
  });
});
