import { graphModelHandler } from '@facekit/core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanModelsContext as modelContext } from '../../../test/utils.js';
import { MOBILEFACENET_MODEL, MobileFaceNetEmbedder } from '../src/mobilefacenet.js';
import { repairFusedPrelu } from '../src/prelu-repair.js';
import { graphEmbedderContract } from './graph-embedder-contract.js';
import { maxAbsDiff } from './helpers.js';

// 50 on wasm (the default); the cpu reference backend is ~10× slower, where 10 repetitions show a leak as well.
const LEAK_REPS = tf.getBackend() === 'cpu' ? 10 : 50;

let net: MobileFaceNetEmbedder;
beforeAll(async () => {
  net = await MobileFaceNetEmbedder.load(modelContext);
});
afterAll(() => net?.dispose());

const P = 'MobileFaceNet/MobileFaceNet/Conv2d_2_InvResBlock_1/SeparableConv2d';

describe('the PReLU repair of the bundled graph', () => {
  it('finds the 16 depthwise PReLUs the converter fused into ReLU, and leaves other graphs alone', async () => {
    expect(net.repairedPrelus).toBe(16);
    const artifacts = await graphModelHandler(modelContext.files, MOBILEFACENET_MODEL).load!();
    const { topology, repaired } = repairFusedPrelu(artifacts.modelTopology);
    expect(repaired).toBe(16);
    // A second pass finds nothing left to repair; the input is not mutated.
    expect(repairFusedPrelu(topology).repaired).toBe(0);
    expect(repairFusedPrelu(artifacts.modelTopology).repaired).toBe(16);
    expect(repairFusedPrelu({ node: [{ name: 'x', op: 'Placeholder' }] }).repaired).toBe(0);
  });

  it('makes the block compute PReLU(x) = relu(x) + α·min(x, 0) again, where the converted graph computed relu(x)', async () => {
    const handler = graphModelHandler(modelContext.files, MOBILEFACENET_MODEL);
    const original = await loadGraphModel(handler);
    const repaired = await loadGraphModel({
      load: async () => {
        const a = await handler.load!();
        return { ...a, modelTopology: repairFusedPrelu(a.modelTopology).topology as object };
      },
    });
    const x = tf.randomUniform([1, 112, 112, 3], 0, 1, 'float32', 5);
    try {
      // α/2 is the graph's `mul` constant: x − |x| = 2·min(x, 0).
      const alpha = tf.mul(repaired.weights[`${P}/mul`][0], 2);
      const [pre, out] = repaired.execute(x, [`${P}/depthwise`, `${P}/add`]) as tf.Tensor[];
      const expected = tf.prelu(pre, alpha);
      expect(tf.min(pre).dataSync()[0]).toBeLessThan(0);
      expect(maxAbsDiff(await out.data(), await expected.data())).toBeLessThan(1e-4);
      const [fused, broken] = original.execute(x, [`${P}/depthwise`, `${P}/add`]) as tf.Tensor[];
      expect(tf.min(fused).dataSync()[0]).toBe(0);
      expect(maxAbsDiff(await broken.data(), await fused.data())).toBe(0);
      tf.dispose([alpha, pre, out, expected, fused, broken]);
    } finally {
      x.dispose();
      original.dispose();
      repaired.dispose();
    }
  });
});

describe('mobilefacenet embedder', () => {
  graphEmbedderContract({
    embedder: () => net,
    load: (ctx) => MobileFaceNetEmbedder.load(ctx),
    modelFile: MOBILEFACENET_MODEL,
    size: 112,
    dim: 192,
    leakReps: LEAK_REPS,
  });
});
