import { isFaceKitError } from '@facekit/core';
import {
  FaceNetwork,
  type NetworkDefinition,
  convertWeights,
  expectedWeights,
  inceptionResnetV1,
  openfaceNetwork,
} from '@facekit/facenet';
import { countParameters, isPackedTfjsWeights } from '@facekit/keras';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { haveShared } from '../../../test/utils.js';
import { agreement, fixtureDir, readFixtureTensor, readFixtureWeights, withinTolerance } from './fixture-utils.js';

interface Case {
  fixture: string;
  def: NetworkDefinition;
  params: number;
  /** Intermediate fixture files in network order, and the layer each is the output of. */
  intermediates: string[];
}

const cases: Case[] = [
  {
    fixture: 'openface',
    def: openfaceNetwork,
    params: 3_743_280,
    intermediates: ['bn1', 'lrn_1', 'lrn_2', 'concatenate', 'concatenate_2', 'concatenate_6', 'dense_layer'],
  },
  {
    fixture: 'facenet128',
    def: inceptionResnetV1(128),
    params: 22_808_144,
    intermediates: [
      'Conv2d_1a_3x3_BatchNorm',
      'Conv2d_4b_3x3_Activation',
      'Block35_1_Activation',
      'Mixed_6a',
      'Block17_10_Activation',
      'Mixed_7a',
      'AvgPool',
    ],
  },
];

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
});

for (const c of cases) {
  describe.runIf(haveShared(fixtureDir(c.fixture), `Keras ${c.fixture} fixture`))(`${c.fixture} fidelity`, () => {
    const bytes = readFixtureWeights(c.fixture);

    // Folded (the embedders' path) on all three images; unfolded (the trainable path) on the first one. The cpu
    // backend takes seconds per Inception-ResNet image, so there every check uses the first image only.
    for (const fold of [true, false]) {
      it(`matches the Keras reference output (${fold ? 'conv+BN folded' : 'unfolded, 1 image'})`, async () => {
        const t0 = performance.now();
        const net = await FaceNetwork.load(c.def, bytes, { fold, keepWeights: true });
        const loadMs = performance.now() - t0;
        const images = fold && tf.getBackend() !== 'cpu' ? 3 : 1;
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
              `forward (${images} images) ${ms.toFixed(0)} ms`,
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

  it('the variable-length-string variant loads and gives the same output', async () => {
    const vlen = readFixtureWeights('openface', 'openface_weights.h5py3-vlen-strings.h5.gz');
    const a = await FaceNetwork.load(openfaceNetwork, openface);
    const b = await FaceNetwork.load(openfaceNetwork, vlen);
    const input = readFixtureTensor('openface', 'input') as tf.Tensor4D;
    const ya = a.predict(input);
    const yb = b.predict(input);
    expect(Array.from(yb.dataSync())).toEqual(Array.from(ya.dataSync()));
    tf.dispose([input, ya, yb]);
    a.dispose();
    b.dispose();
  });
});
