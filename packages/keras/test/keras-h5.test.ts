import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isFaceKitError } from '@facekit/core';
import {
  type ExpectedLayer,
  countParameters,
  disposeLayerWeights,
  exportTfjsWeights,
  importTfjsWeights,
  loadKerasWeights,
  loadModelWeights,
  openKerasWeights,
  packTfjsWeights,
  shortWeightName,
  unpackTfjsWeights,
} from '@facekit/keras';
import { openKerasWeightsFile } from '@facekit/keras/node';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { readFixtureWeights } from '../../../test/keras-fixtures.js';
import { haveShared, kerasFixturesDir } from '../../../test/utils.js';

const dir = join(kerasFixturesDir, 'openface');

interface ManifestLayer {
  name: string;
  weights: { name: string; shape: number[] }[];
}

async function expectFormatError(p: Promise<unknown> | (() => unknown), match: RegExp): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(isFaceKitError(e, 'E_WEIGHTS_FORMAT'), String(e)).toBe(true);
    expect((e as Error).message).toMatch(match);
    return;
  }
  throw new Error('expected E_WEIGHTS_FORMAT');
}

describe('rejects what is not a Keras h5 file', () => {
  it('non-HDF5 bytes', async () => {
    await expectFormatError(openKerasWeights(new TextEncoder().encode('{"not": "hdf5"}')), /not an HDF5 file/);
    await expectFormatError(openKerasWeights(new Uint8Array(0)), /not an HDF5 file/);
    await expectFormatError(loadModelWeights(new Uint8Array(100), []), /neither a Keras .h5 file nor/);
  });
  it('packed tfjs weights: truncated and corrupt headers', async () => {
    const bytes = packTfjsWeights({
      json: { format: 'facekit-weights', version: 1, weightsManifest: [] },
      data: new Uint8Array(0),
    });
    await expectFormatError(() => unpackTfjsWeights(bytes.subarray(0, 10)), /truncated/);
    const bad = bytes.slice();
    bad[8] = 0x7b + 1;
    await expectFormatError(() => unpackTfjsWeights(bad), /corrupt header/);
  });
  it('shortWeightName', () => {
    expect(shortWeightName('conv1/kernel:0')).toBe('kernel');
    expect(shortWeightName('Block35_1_Conv2d_1x1/bias:0')).toBe('bias');
    expect(shortWeightName('moving_variance')).toBe('moving_variance');
  });
});

describe.runIf(haveShared(dir, 'Keras OpenFace fixture'))('Keras save_weights reader (OpenFace fixture)', () => {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    layer_names: string[];
    layers: ManifestLayer[];
    params_stored_in_h5: number;
  };
  // Expected layers as a model would describe them (here from the fixture's manifest; models build theirs in code).
  const expected: ExpectedLayer[] = manifest.layers
    .filter((l) => l.weights.length > 0)
    .map((l) => ({
      layer: l.name,
      weights: l.weights.map((w) => ({ name: shortWeightName(w.name), shape: w.shape })),
    }));
  const fixed = readFixtureWeights('openface');
  const vlen = readFixtureWeights('openface', 'openface_weights.h5py3-vlen-strings.h5');

  for (const [variant, bytes] of [
    ['fixed-length strings', fixed],
    ['variable-length strings', vlen],
  ] as const) {
    it(`reads layer_names, weight_names, shapes and data (${variant})`, async () => {
      const kf = await openKerasWeights(new Uint8Array(bytes), { label: variant });
      try {
        expect(kf.layerNames).toEqual(manifest.layer_names);
        expect(kf.weightNames('input_1')).toEqual([]); // empty float64 weight_names
        expect(kf.weightNames('conv1')).toEqual(['conv1/kernel:0', 'conv1/bias:0']);
        expect(kf.info('bn1').map((w) => w.name)).toEqual([
          'bn1/gamma:0',
          'bn1/beta:0',
          'bn1/moving_mean:0',
          'bn1/moving_variance:0',
        ]);
        expect(kf.parameterCount()).toBe(manifest.params_stored_in_h5);
        expect(kf.parameterCount()).toBe(3_743_280);
        const conv1 = kf.readLayer('conv1');
        expect(conv1.weights[0].shape).toEqual([7, 7, 3, 64]);
        expect(conv1.weights[0].data).toBeInstanceOf(Float32Array);
        expect(conv1.weights[0].data.length).toBe(7 * 7 * 3 * 64);
        expect(conv1.weights[0].data.some((v) => v !== 0)).toBe(true);
        let n = 0;
        for (const l of kf.layers()) n += l.weights.length;
        expect(n).toBe(224); // datasets in the file
      } finally {
        kf.close();
      }
    });
  }

  it('both string variants hold identical weights', async () => {
    const a = await openKerasWeights(new Uint8Array(fixed));
    const b = await openKerasWeights(new Uint8Array(vlen));
    try {
      for (const layer of ['conv1', 'inception_3a_pool_bn', 'dense_layer']) {
        expect(b.readLayer(layer)).toEqual(a.readLayer(layer));
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('loads by layer name into tensors, counts parameters, leaks nothing', async () => {
    expect(countParameters(expected)).toBe(3_743_280);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const w = await loadKerasWeights(new Uint8Array(fixed), expected);
      expect(w.size).toBe(expected.length);
      expect(w.get('dense_layer')?.map((t) => t.shape)).toEqual([[736, 128], [128]]);
      disposeLayerWeights(w);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('missing layer, mis-shaped and misnamed weights are E_WEIGHTS_FORMAT naming the layer, no tensors left', async () => {
    const before = tf.memory().numTensors;
    const missing = [...expected, { layer: 'Conv2d_1a_3x3', weights: [{ name: 'kernel', shape: [3, 3, 3, 32] }] }];
    await expectFormatError(loadKerasWeights(new Uint8Array(fixed), missing), /'Conv2d_1a_3x3' is missing/);
    const misShaped = expected.map((l) =>
      l.layer === 'conv2' ? { ...l, weights: [{ name: 'kernel', shape: [1, 1, 64, 65] }, l.weights[1]] } : l,
    );
    await expectFormatError(
      loadKerasWeights(new Uint8Array(fixed), misShaped),
      /layer 'conv2'.*shape \[1,1,64,64\].*\[1,1,64,65\]/,
    );
    const bnWithoutGamma = expected.map((l) => (l.layer === 'bn1' ? { ...l, weights: l.weights.slice(1) } : l));
    await expectFormatError(
      loadKerasWeights(new Uint8Array(fixed), bnWithoutGamma),
      /layer 'bn1' has 4 weights.*expects 3/,
    );
    const renamed = expected.map((l) =>
      l.layer === 'bn1' ? { ...l, weights: l.weights.map((w, i) => (i === 0 ? { ...w, name: 'beta' } : w)) } : l,
    );
    await expectFormatError(loadKerasWeights(new Uint8Array(fixed), renamed), /layer 'bn1'.*'bn1\/gamma:0'.*'beta'/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a truncated file is rejected', async () => {
    await expectFormatError(
      openKerasWeights(new Uint8Array(fixed.subarray(0, fixed.length >> 1))),
      /truncated or corrupt/,
    );
    await expectFormatError(openKerasWeights(new Uint8Array(fixed.subarray(0, 600))), /truncated or corrupt/);
  });

  it('tfjs weights format round-trips (two-part and packed) and checks shapes', async () => {
    const before = tf.memory().numTensors;
    const w = await loadKerasWeights(new Uint8Array(fixed), expected);
    const { json, data } = await exportTfjsWeights(w, { model: 'openface' });
    expect(data.byteLength).toBe(4 * 3_743_280);
    const packed = packTfjsWeights({ json, data });
    const t0 = performance.now();
    const back = await loadModelWeights(packed, expected);
    const ms = performance.now() - t0;
    const t1 = performance.now();
    disposeLayerWeights(await loadKerasWeights(new Uint8Array(fixed), expected));
    console.log(
      `openface weights: packed tfjs ${ms.toFixed(0)} ms, keras h5 ${(performance.now() - t1).toFixed(0)} ms`,
    );
    for (const { layer } of expected) {
      const a = w.get(layer) ?? [];
      const b = back.get(layer) ?? [];
      expect(b.length).toBe(a.length);
      for (let i = 0; i < a.length; i++) {
        const [x, y] = [a[i].dataSync(), b[i].dataSync()];
        expect(y.length).toBe(x.length);
        expect(x.every((v, k) => v === y[k])).toBe(true);
      }
    }
    disposeLayerWeights(back);
    const wrong = expected.map((l) => (l.layer === 'conv3' ? { ...l, weights: [l.weights[1], l.weights[0]] } : l));
    await expectFormatError(() => importTfjsWeights(json, data, wrong), /layer 'conv3'/);
    await expectFormatError(() => importTfjsWeights(json, data.subarray(4)), /truncated/);
    disposeLayerWeights(w);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.runIf(haveShared(dir, 'Keras OpenFace fixture'))('@facekit/keras/node: open by path', () => {
  it('reads the same weights from disk without loading the file into memory', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const tmp = mkdtempSync(join(tmpdir(), 'facekit-keras-'));
    try {
      const path = join(tmp, 'openface.h5');
      const bytes = readFixtureWeights('openface', 'openface_weights.h5py3-vlen-strings.h5');
      writeFileSync(path, bytes);
      const kf = await openKerasWeightsFile(path);
      const mem = await openKerasWeights(new Uint8Array(bytes));
      try {
        expect(kf.parameterCount()).toBe(3_743_280);
        expect(kf.readLayer('inception_5b_3x3_conv2')).toEqual(mem.readLayer('inception_5b_3x3_conv2'));
      } finally {
        kf.close();
        mem.close();
      }
      const notH5 = join(tmp, 'x.h5');
      writeFileSync(notH5, 'hello');
      await expectFormatError(openKerasWeightsFile(notH5), /not an HDF5 file/);
      await expect(openKerasWeightsFile(join(tmp, 'missing.h5'))).rejects.toMatchObject({ code: 'E_IO' });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
