// FacePipeline's own logic (face choice, fallback, flip averaging, tensor hygiene) with tiny stand-in models
// registered under test names, so the behaviour is checked without any network weights.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Face,
  FacePipeline,
  FaceKitError,
  models,
  type ModelContext,
  PLATFORM_OPTIONS,
  validateOptions,
} from '../src/index.js';

const ctx: ModelContext = { files: async () => new Uint8Array() };
let facesToReturn: Face[] = [];
/** The `quick` flag of the test detector's last call. */
let lastQuick: boolean | undefined;
const face = (x: number, y: number, size: number): Face => ({
  box: { x, y, width: size, height: size },
  score: 0.9,
  detector: 'test',
});

beforeAll(() => {
  models.detectors.register({
    name: 'test-detector',
    description: 'returns facesToReturn',
    create: async () => ({
      name: 'test-detector',
      detect: async (_image, o) => {
        lastQuick = o?.quick;
        return facesToReturn.map((f) => ({ ...f }));
      },
      dispose() {},
    }),
  });
  // The box crop, resized to the template: enough to make embeddings depend on which face was chosen.
  models.aligners.register({
    name: 'test-crop',
    description: 'box crop',
    create: async () => ({
      name: 'test-crop',
      align: (image, f, t) =>
        tf.tidy(() => {
          const { x, y, width, height } = f.box;
          const [h, w] = image.shape;
          const boxes = tf.tensor2d([[y / h, x / w, (y + height) / h, (x + width) / w]]);
          return tf.squeeze(
            tf.image.cropAndResize(tf.expandDims(image) as tf.Tensor4D, boxes, [0], t.size),
            [0],
          ) as tf.Tensor3D;
        }),
    }),
  });
  // Embedding = [mean of the left half, mean of the right half]: mirror images swap the two entries.
  models.embedders.register({
    name: 'test-halves',
    description: 'left/right half means',
    dim: 2,
    template: { size: [4, 4], source: 'five', points: [] },
    normalized: false,
    defaultMetric: 'euclidean',
    thresholds: { euclidean: 1 },
    create: async () => ({
      name: 'test-halves',
      dim: 2,
      embed: async (batch) => {
        const v = tf.tidy(() => {
          const [left, right] = tf.split(batch, 2, 2);
          return tf.stack([tf.mean(left, [1, 2, 3]), tf.mean(right, [1, 2, 3])], 1);
        });
        const rows = (await v.array()) as number[][];
        v.dispose();
        return rows.map((r) => Float32Array.from(r));
      },
      dispose() {},
    }),
  });
});

const options = { detector: 'test-detector', landmarker: 'none', align: 'test-crop', embedder: 'test-halves' };

describe('FacePipeline', () => {
  it("pick 'largest' takes the biggest box; 'central' prefers the framed subject over a larger bystander", async () => {
    const image = tf.zeros([100, 100, 3]) as tf.Tensor3D;
    const bystander = face(0, 0, 40); // larger, in the corner
    const subject = face(35, 35, 30); // centred
    facesToReturn = [subject, bystander];
    const largest = await FacePipeline.create(ctx, { ...options, flip: false });
    const central = await FacePipeline.create(ctx, { ...options, pick: 'central', flip: false });
    const [a] = await largest.facesToEmbed(image, {});
    const [b] = await central.facesToEmbed(image, {});
    expect(a.face.box).toEqual(bystander.box);
    expect(a.summary).toMatchObject({ chosen: 'largest', faceCount: 2 });
    expect(b.face.box).toEqual(subject.box);
    expect(b.summary.chosen).toBe('central');
    // A much larger off-centre face still wins under 'central' (area counts, not only position).
    facesToReturn = [face(40, 40, 10), face(5, 5, 60)];
    const [c] = await central.facesToEmbed(image, {});
    expect(c.face.box.width).toBe(60);
    largest.dispose();
    central.dispose();
    image.dispose();
  });

  it('asks the detector for a quick look only when one face is wanted and quickLook is on', async () => {
    const image = tf.zeros([100, 100, 3]) as tf.Tensor3D;
    facesToReturn = [face(35, 35, 30)];
    const quick = await FacePipeline.create(ctx, { ...options, flip: false });
    const full = await FacePipeline.create(ctx, { ...options, flip: false, quickLook: false });
    await quick.facesToEmbed(image, {});
    expect(lastQuick).toBe(true);
    await quick.facesToEmbed(image, { all: true });
    expect(lastQuick).toBe(false);
    await full.facesToEmbed(image, {});
    expect(lastQuick).toBe(false);
    expect(quick.options.quickLook).toBe(true);
    expect(() => validateOptions(PLATFORM_OPTIONS, { quickLook: 'no' })).toThrow(/quickLook/);
    quick.dispose();
    full.dispose();
    image.dispose();
  });

  it('no face: E_NO_FACE, or the whole image with enforceDetection false', async () => {
    const image = tf.zeros([20, 30, 3]) as tf.Tensor3D;
    facesToReturn = [];
    const p = await FacePipeline.create(ctx, options);
    await expect(p.facesToEmbed(image, {})).rejects.toMatchObject({ code: 'E_NO_FACE' });
    await expect(p.facesToEmbed(image, {})).rejects.toBeInstanceOf(FaceKitError);
    const [f] = await p.facesToEmbed(image, { enforceDetection: false });
    expect(f.summary.chosen).toBe('fallback');
    expect(f.face.box).toEqual({ x: 0, y: 0, width: 30, height: 20 });
    p.dispose();
    image.dispose();
  });

  it('flip averages each face with its mirror image, and leaks no tensors', async () => {
    // Left half 0, right half 100: plain embedding [0, 100], its mirror [100, 0], the flip average [50, 50].
    const image = tf.concat([tf.zeros([8, 4, 3]), tf.fill([8, 4, 3], 100)], 1) as tf.Tensor3D;
    facesToReturn = [face(0, 0, 8)];
    const plain = await FacePipeline.create(ctx, { ...options, flip: false });
    const flipped = await FacePipeline.create(ctx, options); // flip is the default
    const before = tf.memory().numTensors;
    const [p] = await plain.represent(image);
    const [q] = await flipped.represent(image);
    expect(Array.from(p.embedding.vector)).toEqual([0, 100]);
    expect(Array.from(q.embedding.vector)).toEqual([50, 50]);
    expect(tf.memory().numTensors).toBe(before);
    await expect(FacePipeline.create(ctx, { ...options, pick: 'nearest' as never })).rejects.toMatchObject({
      code: 'E_CONFIG',
    });
    plain.dispose();
    flipped.dispose();
    image.dispose();
  });
});
