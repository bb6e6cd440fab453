// Embedding identity = embedder name + weights fingerprint: the same embedder with other weights (a fine-tuned file)
// makes vectors that galleries and comparisons refuse to mix.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assertComparable,
  fingerprintBytes,
  FacePipeline,
  FaceKitError,
  Gallery,
  models,
  type ModelContext,
} from '../src/index.js';

/** A model folder whose only file is the toy embedder's weights. */
const bytesOf = (weights: number[]) => new Uint8Array(Float32Array.from(weights).buffer);
const stock = [0.5, -0.25, 1, 2];
const tuned = [0.5, -0.25, 1, 2.001]; // one value moved, as a fine-tuning step would

beforeAll(() => {
  models.detectors.register({
    name: 'identity-detector',
    description: 'one face: the whole image',
    create: async () => ({
      name: 'identity-detector',
      detect: async (image) => [
        { box: { x: 0, y: 0, width: image.shape[1], height: image.shape[0] }, score: 1, detector: 'identity-detector' },
      ],
      dispose() {},
    }),
  });
  models.aligners.register({
    name: 'identity-resize',
    description: 'resize',
    create: async () => ({
      name: 'identity-resize',
      align: (image, _f, t) => tf.image.resizeBilinear(image, t.size),
    }),
  });
  // Embeds the mean pixel times each of its weights: its output depends on the weights file it read.
  models.embedders.register({
    name: 'identity-toy',
    description: 'mean pixel × weights',
    dim: 4,
    template: { size: [4, 4], source: 'five', points: [] },
    normalized: false,
    defaultMetric: 'euclidean',
    thresholds: { euclidean: 1 },
    create: async (ctx) => {
      const w = new Float32Array((await ctx.files('toy.bin')).slice().buffer);
      return {
        name: 'identity-toy',
        dim: 4,
        embed: async (batch) => {
          const m = tf.tidy(() => tf.mean(batch, [1, 2, 3]));
          const means = (await m.data()) as Float32Array;
          m.dispose();
          return Array.from(means, (x) => w.map((wi) => wi * x));
        },
        dispose() {},
      };
    },
  });
});

const options = {
  detector: 'identity-detector',
  landmarker: 'none',
  align: 'identity-resize',
  embedder: 'identity-toy',
  flip: false,
};

describe('embedding identity', () => {
  it('the pipeline tags embeddings with a fingerprint of the weights bytes it loaded', async () => {
    const ctxStock: ModelContext = { files: async () => bytesOf(stock) };
    const ctxTuned: ModelContext = { files: async () => bytesOf(tuned) };
    const [a, a2, b] = await Promise.all([
      FacePipeline.create(ctxStock, options),
      FacePipeline.create(ctxStock, options),
      FacePipeline.create(ctxTuned, options),
    ]);
    const image = tf.fill([8, 8, 3], 100) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    try {
      expect(a.weights).toMatch(/^[0-9a-f]{12}$/);
      expect(a.weights).toBe(await fingerprintBytes([bytesOf(stock)]));
      expect(a2.weights).toBe(a.weights); // same bytes, same identity
      expect(b.weights).not.toBe(a.weights);
      const [ra] = await a.represent(image);
      const [rb] = await b.represent(image);
      expect(ra.embedding).toMatchObject({ embedder: 'identity-toy', weights: a.weights });
      expect(rb.embedding.weights).toBe(b.weights);
      expect(tf.memory().numTensors).toBe(before);

      // A gallery of the stock weights refuses the fine-tuned vectors, with a message that says why and what to do.
      const g = new Gallery();
      g.enroll('ada', ra.embedding);
      expect(g.weights).toBe(a.weights);
      let err: unknown;
      try {
        g.enroll('bob', rb.embedding);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FaceKitError);
      expect(err).toMatchObject({ code: 'E_EMBEDDING_MISMATCH', details: { weights: a.weights, got: b.weights } });
      expect((err as Error).message).toMatch(/other weights .*separate gallery per weights file/);
      expect(() => g.identify(rb.embedding)).toThrow(/other weights/);
      expect(() =>
        new Gallery().enrollMany([
          { label: 'a', embedding: ra.embedding },
          { label: 'b', embedding: rb.embedding },
        ]),
      ).toThrow(/other weights/);
      expect(() => assertComparable(ra.embedding, rb.embedding)).toThrow(/other weights/);
      // Embeddings without a fingerprint (made elsewhere) still enrol; the stored ones keep theirs.
      g.enroll('cy', { vector: ra.embedding.vector, embedder: 'identity-toy' });
      expect(g.embeddingOf(1)?.weights).toBe(a.weights);
      expect(g.identify(ra.embedding).label).toBe('ada');
    } finally {
      image.dispose();
      for (const p of [a, a2, b]) p.dispose();
    }
  });

  it('a gallery opened with a known fingerprint refuses others from the first enrolment', () => {
    const g = new Gallery({ embedder: 'facenet', dim: 2, weights: 'aaaaaaaaaaaa' });
    expect(() =>
      g.enroll('x', { vector: Float32Array.of(1, 0), embedder: 'facenet', weights: 'bbbbbbbbbbbb' }),
    ).toThrow(/weights aaaaaaaaaaaa, got one of weights bbbbbbbbbbbb/);
    expect(g.enroll('x', { vector: Float32Array.of(1, 0), embedder: 'facenet', weights: 'aaaaaaaaaaaa' })).toBe(1);
  });
});
