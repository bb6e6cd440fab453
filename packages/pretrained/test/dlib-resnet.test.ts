import { isFaceKitError } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveShared, lfwDir, modelContext, modelFiles } from '../../../test/utils.js';
import {
  DLIB_RESNET_BLOCKS,
  DLIB_RESNET_DAT,
  DlibResNetEmbedder,
  dlibResNetWeightShapes,
  dlibResNetWeightsFromDat,
} from '../src/dlib-resnet.js';
import { cosineSimilarity, faceApiDescriptors, faceApiDlibWeights, lfwCrop, maxAbsDiff } from './helpers.js';

// 50 on wasm (the default); the cpu reference backend is ~10× slower, where 10 repetitions show a leak as well.
const LEAK_REPS = tf.getBackend() === 'cpu' ? 10 : 50;

let net: DlibResNetEmbedder;
beforeAll(async () => {
  net = await DlibResNetEmbedder.load(modelContext);
});
afterAll(() => net?.dispose());

/** Deterministic test faces: uniform noise and a smooth colour gradient, [n, 150, 150, 3] in 0..255. */
function syntheticFaces(): tf.Tensor4D {
  return tf.tidy(() => {
    const noise = tf.randomUniform([150, 150, 3], 0, 255, 'float32', 42);
    const ramp = tf.linspace(0, 255, 150);
    const gradient = tf.stack(
      [tf.tile(tf.expandDims(ramp, 0), [150, 1]), tf.tile(tf.expandDims(ramp, 1), [1, 150]), tf.fill([150, 150], 90)],
      2,
    );
    return tf.stack([noise, gradient]) as tf.Tensor4D;
  });
}

async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(isFaceKitError(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

describe('dlib-resnet34 weights', () => {
  it("the architecture table names exactly the weights read from dlib's bundled model file, with their shapes", async () => {
    const weights = dlibResNetWeightsFromDat(await modelFiles(DLIB_RESNET_DAT));
    try {
      const expected = dlibResNetWeightShapes();
      expect(Object.keys(weights)).toHaveLength(expected.length);
      for (const [name, shape] of expected) expect(weights[name]?.shape, name).toEqual(shape);
      // 29 conv layers: the stem and two per residual block.
      expect(1 + 2 * DLIB_RESNET_BLOCKS.length).toBe(29);
    } finally {
      tf.dispose(Object.values(weights));
    }
  });

  it("dlib's float32 weights are face-api.js's uint8 conversion of them to within half a quantisation step", async () => {
    // face-api's manifest stores most tensors as uint8 (min + q·scale) and a few as float32. Agreement to half a
    // step in every value of all 117 tensors shows the .dat reader's layout (dlib's [out, in, h, w] filters
    // transposed to [h, w, in, out], the split of each layer's params, the fc's [in, out]) is the same mapping.
    const [mine, theirs] = [dlibResNetWeightsFromDat(await modelFiles(DLIB_RESNET_DAT)), await faceApiDlibWeights()];
    try {
      let quantised = 0;
      for (const { name, quantization } of theirs.specs) {
        const a = (await mine[name].data()) as Float32Array;
        const b = (await theirs.weights[name].data()) as Float32Array;
        expect(a.length, name).toBe(b.length);
        const step = quantization?.scale;
        if (step) quantised++;
        const tolerance = step ? step / 2 + 1e-7 : 1e-6;
        expect(maxAbsDiff(a, b), name).toBeLessThanOrEqual(tolerance);
      }
      expect(theirs.specs).toHaveLength(117);
      expect(quantised).toBe(109);
    } finally {
      tf.dispose([...Object.values(mine), ...Object.values(theirs.weights)]);
    }
  });

  it('refuses a model file that is not this network (E_WEIGHTS_FORMAT)', async () => {
    const bytes = await modelFiles(DLIB_RESNET_DAT);
    await expectCode(() => dlibResNetWeightsFromDat(bytes.subarray(0, bytes.length - 1)), 'E_WEIGHTS_FORMAT');
    // The stem conv's stride (7×7/2) is written after its 4,736 params: make the vertical stride 1.
    const tampered = bytes.slice();
    const at = findStemStride(tampered);
    tampered[at] = 1;
    await expectCode(() => dlibResNetWeightsFromDat(tampered), 'E_WEIGHTS_FORMAT');
    expect(() => dlibResNetWeightsFromDat(tampered)).toThrow(
      /layer 0 is 'con 32 7×7\/1,2 pad 0 in 3', expected 'con 32 7×7\/2 pad 0 in 3'/,
    );
  });

  it('counts the folded parameters: conv filters, one bias per output channel, the fc matrix', () => {
    const convs = dlibResNetWeightShapes().filter(([n]) => n.endsWith('/conv/filters'));
    const expected = convs.reduce((s, [, [kh, kw, ci, co]]) => s + kh * kw * ci * co + co, 256 * 128);
    expect(net.parameterCount).toBe(expected);
    expect(net.parameterCount).toBe(5_607_488);
  });

  it('refuses a weight map with a missing or misshapen weight (E_WEIGHTS_FORMAT)', async () => {
    const weights: tf.NamedTensorMap = {};
    for (const [name, shape] of dlibResNetWeightShapes()) weights[name] = tf.zeros(shape);
    try {
      const ok = DlibResNetEmbedder.fromWeights(weights);
      ok.dispose();
      const fc = weights['fc'];
      delete weights['fc'];
      await expectCode(() => DlibResNetEmbedder.fromWeights(weights), 'E_WEIGHTS_FORMAT');
      weights['fc'] = tf.zeros([128, 256]);
      await expectCode(() => DlibResNetEmbedder.fromWeights(weights), 'E_WEIGHTS_FORMAT');
      fc.dispose();
    } finally {
      tf.dispose(Object.values(weights));
    }
  });
});

/** Offset of the stem conv's stride_y value byte: after 'con_4', its params tensor, num_filters, nr and nc. */
function findStemStride(bytes: Uint8Array): number {
  const name = new TextEncoder().encode('con_4');
  const at = bytes.findIndex((_, i) => name.every((c, j) => bytes[i + j] === c));
  // params: version (2 bytes), num_samples 4736 (3 bytes), k, nr, nc (2 bytes each), 4736 floats.
  const afterParams = at + name.length + 2 + 3 + 6 + 4736 * 4;
  // num_filters 32, nr 7, nc 7 (2 bytes each), then stride_y: control byte 0x01 and the value.
  expect([...bytes.subarray(afterParams, afterParams + 8)]).toEqual([1, 32, 1, 7, 1, 7, 1, 2]);
  return afterParams + 7;
}

describe('dlib-resnet34 forward pass', () => {
  it("matches face-api.js itself on face-api's weights (same 150×150 input), and dlib's float weights closely", async () => {
    const crops = haveShared(lfwDir, 'LFW')
      ? [await lfwCrop('Aaron_Peirsol', 1, 150, 0.5, 10), await lfwCrop('George_W_Bush', 1, 150, 0.5, 10)]
      : [];
    const synthetic = syntheticFaces();
    const faces = tf.concat([synthetic, ...crops.map((c) => tf.expandDims(c, 0) as tf.Tensor4D)]) as tf.Tensor4D;
    const { weights } = await faceApiDlibWeights();
    const quantisedNet = DlibResNetEmbedder.fromWeights(weights);
    tf.dispose(Object.values(weights));
    try {
      const mine = await quantisedNet.embed(faces);
      const ref = await faceApiDescriptors(faces);
      const float = await net.embed(faces);
      expect(ref).toHaveLength(faces.shape[0]);
      for (let i = 0; i < ref.length; i++) {
        expect(ref[i]).toHaveLength(128);
        expect(cosineSimilarity(mine[i], ref[i])).toBeGreaterThanOrEqual(0.9999);
        expect(maxAbsDiff(mine[i], ref[i])).toBeLessThan(1e-4);
        // The bundled float32 weights: the same network, not the same numbers.
        expect(cosineSimilarity(float[i], mine[i])).toBeGreaterThanOrEqual(0.999);
        expect(maxAbsDiff(float[i], mine[i])).toBeGreaterThan(1e-6);
      }
    } finally {
      quantisedNet.dispose();
      tf.dispose([faces, synthetic, ...crops]);
    }
  });

  it('gives 128 finite numbers per face, deterministically, the same in a batch as alone, for int32 as for float32', async () => {
    const faces = syntheticFaces();
    try {
      const batch = await net.embed(faces);
      const again = await net.embed(faces);
      expect(batch).toHaveLength(2);
      for (let i = 0; i < 2; i++) {
        expect(batch[i]).toHaveLength(128);
        expect(batch[i].every(Number.isFinite)).toBe(true);
        expect(Math.hypot(...batch[i])).toBeGreaterThan(0.1);
        expect(Array.from(again[i])).toEqual(Array.from(batch[i]));
        const one = tf.slice(faces, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
        const [single] = await net.embed(one);
        one.dispose();
        expect(maxAbsDiff(single, batch[i])).toBeLessThan(1e-5);
      }
      // The two inputs differ, so must the descriptors.
      expect(maxAbsDiff(batch[0], batch[1])).toBeGreaterThan(1e-2);
      const asInt = tf.tidy(() => tf.cast(tf.round(faces), 'int32') as tf.Tensor4D);
      const rounded = tf.tidy(() => tf.round(faces) as tf.Tensor4D);
      const [a, b] = [await net.embed(asInt), await net.embed(rounded)];
      tf.dispose([asInt, rounded]);
      expect(maxAbsDiff(a[0], b[0])).toBe(0);
    } finally {
      faces.dispose();
    }
  });

  it('rejects faces of the wrong size, rank or dtype (E_INPUT) and answers an empty batch with no vectors', async () => {
    const wrong = [tf.zeros([1, 112, 112, 3]), tf.zeros([150, 150, 3]), tf.zeros([1, 150, 150, 3], 'bool')];
    try {
      for (const t of wrong) await expectCode(net.embed(t as tf.Tensor4D), 'E_INPUT');
    } finally {
      tf.dispose(wrong);
    }
    const empty = tf.zeros([0, 150, 150, 3]) as tf.Tensor4D;
    expect(await net.embed(empty)).toEqual([]);
    empty.dispose();
  });

  it(`leaks no tensors across ${LEAK_REPS} embeds, and frees its weights on dispose`, async () => {
    const face = tf.randomUniform([1, 150, 150, 3], 0, 255, 'float32', 1) as tf.Tensor4D;
    await net.embed(face);
    const before = tf.memory().numTensors;
    for (let i = 0; i < LEAK_REPS; i++) await net.embed(face);
    expect(tf.memory().numTensors).toBe(before);
    face.dispose();

    const start = tf.memory().numTensors;
    const other = await DlibResNetEmbedder.load(modelContext);
    expect(tf.memory().numTensors).toBe(start + 2 * 29 + 1);
    other.dispose();
    other.dispose();
    expect(tf.memory().numTensors).toBe(start);
    await expectCode(other.embed(tf.zeros([1, 150, 150, 3]) as tf.Tensor4D), 'E_INPUT');
  });
});
