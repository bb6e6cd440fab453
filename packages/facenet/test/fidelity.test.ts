import { existsSync } from 'node:fs';
import { isFaceKitError } from '@facekit/core';
import {
  FaceNetwork,
  type NetworkDefinition,
  convertWeights,
  describeNetwork,
  expectedWeights,
  inceptionResnetV1,
  openfaceNetwork,
} from '@facekit/facenet';
import { countParameters, isPackedTfjsWeights } from '@facekit/keras';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fixtureIntermediates, fixtureManifest, fixtureVariants } from '../../../test/keras-fixtures.js';
import { haveShared } from '../../../test/utils.js';
import { agreement, fixtureDir, readFixtureTensor, readFixtureWeights, withinTolerance } from './fixture-utils.js';

interface Case {
  fixture: string;
  def: NetworkDefinition;
  params: number;
  /** The layers with an intermediate activation in the fixture folder, in network order. */
  intermediates: string[];
}

/**
 * The networks a fixture folder can hold, by folder name. openface and facenet128 are in the shared fixtures (CI
 * fails without them); a facenet512 folder of the same layout is checked when present.
 */
const NETWORKS: Array<{ fixture: string; def: NetworkDefinition; params: number; required: boolean }> = [
  { fixture: 'openface', def: openfaceNetwork, params: 3_743_280, required: true },
  { fixture: 'facenet128', def: inceptionResnetV1(128), params: 22_808_144, required: true },
  { fixture: 'facenet512', def: inceptionResnetV1(512), params: 23_497_424, required: false },
];

const cases: Case[] = NETWORKS.filter(({ fixture, required }) =>
  required ? haveShared(fixtureDir(fixture), `Keras ${fixture} fixture`) : existsSync(fixtureDir(fixture)),
).map(({ fixture, def, params }) => ({ fixture, def, params, intermediates: fixtureIntermediates(fixture) }));

/** Names the first intermediate layer that leaves the tolerance, for the failure message. */
function firstDivergence(net: FaceNetwork, c: Case, input: tf.Tensor4D): string {
  const images = input.shape[0];
  const { output, layers } = net.intermediates(input, c.intermediates);
  try {
    for (const name of c.intermediates) {
      const ref = readFixtureTensor(c.fixture, `intermediate_${name}`, images);
      const a = agreement(layers.get(name) as tf.Tensor, ref);
      ref.dispose();
      if (!withinTolerance(a)) return `first diverging layer: ${name} (${JSON.stringify(a)})`;
    }
    return 'all intermediates agree; the divergence is after the last one';
  } finally {
    output.dispose();
    tf.dispose([...layers.values()]);
  }
}

describe('parameter counts (from the architecture code)', () => {
  it('match the Keras models', () => {
    expect(countParameters(expectedWeights(openfaceNetwork))).toBe(3_743_280);
    expect(countParameters(expectedWeights(inceptionResnetV1(128)))).toBe(22_808_144);
    expect(countParameters(expectedWeights(inceptionResnetV1(512)))).toBe(23_497_424);
    expect(expectedWeights(inceptionResnetV1(128)).length).toBe(245); // weighted layers in the h5
  });

  it('a definition whose layers do not fit is E_CONFIG naming the layer', () => {
    const def = (graph: NetworkDefinition['graph']): NetworkDefinition => ({
      name: 'broken',
      inputSize: [8, 8],
      outputDim: 4,
      normalized: false,
      graph,
    });
    const failure = (d: NetworkDefinition) => {
      try {
        expectedWeights(d);
      } catch (e) {
        return `${isFaceKitError(e) ? e.code : 'not a FaceKitError'}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    const conv = { filters: 4, kernel: 3, strides: 1, padding: 'same' as const, bias: true };
    expect(failure(def((o, x) => o.conv(o.conv(x, 'c', conv), 'c', conv)))).toMatch(
      /^E_CONFIG: .*duplicate layer name c$/,
    );
    expect(failure(def((o, x) => o.concat([x, o.maxPool(x, 2, 2)], 'cat')))).toMatch(
      /^E_CONFIG: .*concat cat: spatial sizes/,
    );
    expect(failure(def((o, x) => o.residual(x, o.conv(x, 'c', conv), 1, { sum: 'add' })))).toMatch(
      /^E_CONFIG: .*residual add: shapes differ/,
    );
  });
});

for (const c of cases) {
  describe(`${c.fixture} fidelity`, () => {
    const bytes = readFixtureWeights(c.fixture);
    const manifest = fixtureManifest(c.fixture);

    it('the manifest agrees with the architecture: parameters, output layer, every layer readable by name', () => {
      if (manifest.params_total_model !== undefined) expect(manifest.params_total_model).toBe(c.params);
      const names = describeNetwork(c.def).names;
      if (manifest.output_layer) expect(names.has(manifest.output_layer), manifest.output_layer).toBe(true);
      // Every Keras layer but the input can be read as an intermediate output, under its Keras name.
      const unreadable = (manifest.layer_names ?? []).filter((l, i) => i > 0 && !names.has(l));
      expect(unreadable).toEqual([]);
      expect(c.intermediates.length).toBeGreaterThan(0);
      expect(c.intermediates.filter((l) => !names.has(l))).toEqual([]);
    });

    // Folded (the embedders' path) on all the fixture's images; unfolded (the trainable path) on the first one. The cpu
    // backend takes seconds per Inception-ResNet image, so there every check uses the first image only.
    for (const fold of [true, false]) {
      it(`matches the Keras reference output (${fold ? 'conv+BN folded' : 'unfolded, 1 image'})`, async () => {
        const t0 = performance.now();
        const net = await FaceNetwork.load(c.def, bytes, { fold, keepWeights: true });
        const loadMs = performance.now() - t0;
        const images = fold && tf.getBackend() !== 'cpu' ? Number.POSITIVE_INFINITY : 1; // all, or the first
        const input = readFixtureTensor(c.fixture, 'input', images) as tf.Tensor4D;
        const ref = readFixtureTensor(c.fixture, 'expected_output', images);
        try {
          expect(net.parameterCount).toBe(c.params);
          const before = tf.memory().numTensors;
          const t1 = performance.now();
          const y = net.predict(input);
          await y.data();
          const ms = performance.now() - t1;
          const a = agreement(y, ref);
          y.dispose();
          console.log(
            `${c.fixture} (${fold ? 'folded' : 'unfolded'}, ${tf.getBackend()}): max err ${a.maxErr.toExponential(2)} ` +
              `× max|ref|, min cosine ${a.minCosine.toFixed(9)}; load ${loadMs.toFixed(0)} ms, ` +
              `forward (${input.shape[0]} images) ${ms.toFixed(0)} ms`,
          );
          expect(withinTolerance(a), withinTolerance(a) ? '' : firstDivergence(net, c, input)).toBe(true);
          // Repeated calls leave no tensor behind (one image: the cpu backend is slow).
          const one = tf.slice(input, 0, 1);
          net.predict(one).dispose();
          one.dispose();
          expect(tf.memory().numTensors).toBe(before);
        } finally {
          tf.dispose([input, ref]);
          net.dispose();
        }
      });
    }

    it('every intermediate agrees with the reference (first image)', async () => {
      const net = await FaceNetwork.load(c.def, bytes, { keepWeights: true });
      const input = readFixtureTensor(c.fixture, 'input', 1) as tf.Tensor4D;
      const { output, layers } = net.intermediates(input, c.intermediates);
      try {
        for (const name of c.intermediates) {
          const ref = readFixtureTensor(c.fixture, `intermediate_${name}`, 1);
          const a = agreement(layers.get(name) as tf.Tensor, ref);
          ref.dispose();
          expect(withinTolerance(a), `${name}: ${JSON.stringify(a)}`).toBe(true);
        }
      } finally {
        tf.dispose([input, output, ...layers.values()]);
        net.dispose();
      }
    });
  });
}

describe.runIf(haveShared(fixtureDir('openface'), 'Keras openface fixture'))('wrong weights files', () => {
  const openface = readFixtureWeights('openface');

  async function rejects(p: Promise<unknown>, match: RegExp): Promise<void> {
    const before = tf.memory().numTensors;
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isFaceKitError(e, 'E_WEIGHTS_FORMAT'), String(e)).toBe(true);
    expect((e as Error).message).toMatch(match);
    expect(tf.memory().numTensors).toBe(before);
  }

  it('the openface file in the facenet model names the missing layer', async () => {
    await rejects(FaceNetwork.load(inceptionResnetV1(128), openface), /layer 'Conv2d_1a_3x3' is missing/);
  });

  it('the facenet 128 file in the facenet512 model names the mis-shaped layer', async () => {
    const facenet128 = readFixtureWeights('facenet128');
    await rejects(
      FaceNetwork.load(inceptionResnetV1(512), facenet128),
      /layer 'Bottleneck': weight 'Bottleneck\/kernel:0' has shape \[1792,128\], the model expects \[1792,512\]/,
    );
  });

  it('a truncated file and a non-HDF5 file are rejected', async () => {
    await rejects(FaceNetwork.load(openfaceNetwork, openface.subarray(0, 1 << 20)), /truncated or corrupt/);
    await rejects(FaceNetwork.load(openfaceNetwork, new TextEncoder().encode('<html>404</html>')), /neither a Keras/);
  });

  it('converts to the packed tfjs weights format, which gives the same output', async () => {
    const packed = await convertWeights(openfaceNetwork, openface);
    expect(isPackedTfjsWeights(packed)).toBe(true);
    const a = await FaceNetwork.load(openfaceNetwork, openface);
    const b = await FaceNetwork.load(openfaceNetwork, packed);
    const input = readFixtureTensor('openface', 'input') as tf.Tensor4D;
    const ya = a.predict(input);
    const yb = b.predict(input);
    expect(Array.from(yb.dataSync())).toEqual(Array.from(ya.dataSync()));
    tf.dispose([input, ya, yb]);
    a.dispose();
    b.dispose();
    // The facenet model rejects the openface conversion like it rejects the h5.
    await rejects(FaceNetwork.load(inceptionResnetV1(128), packed), /layer 'Conv2d_1a_3x3' is missing/);
  });

  it('every h5 variant the manifest lists (h5py 3 variable-length strings…) loads and gives the same output', async () => {
    const variants = fixtureVariants('openface');
    expect(variants.length).toBeGreaterThan(0);
    const a = await FaceNetwork.load(openfaceNetwork, openface);
    const input = readFixtureTensor('openface', 'input') as tf.Tensor4D;
    const ya = a.predict(input);
    try {
      for (const file of variants) {
        const b = await FaceNetwork.load(openfaceNetwork, readFixtureWeights('openface', file));
        const yb = b.predict(input);
        expect(Array.from(yb.dataSync()), file).toEqual(Array.from(ya.dataSync()));
        yb.dispose();
        b.dispose();
      }
    } finally {
      tf.dispose([input, ya]);
      a.dispose();
    }
  });
});
