// Hostile weight files: absurd claimed sizes, truncation, wrong dtypes, bad packed headers. Each is refused with
// E_WEIGHTS_FORMAT, quickly, without allocating what the file claims and without leaking tensors.
import { isFaceKitError } from '@facekit/core';
import {
  loadKerasWeights,
  loadModelWeights,
  importTfjsWeights,
  openKerasWeights,
  packTfjsWeights,
  readKerasWeights,
} from '@facekit/keras';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { buildKerasH5, denseExpected, denseLayer } from './h5-builder.js';

/**
 * Runs `fn`, expects E_WEIGHTS_FORMAT matching `match`, without a large allocation: the claim is refused from the
 * file's metadata, before anything of the claimed size is read or allocated (a hang would meet the test timeout).
 */
async function refused(fn: () => unknown, match: RegExp): Promise<void> {
  const mem0 = process.memoryUsage();
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(isFaceKitError(err, 'E_WEIGHTS_FORMAT'), String(err)).toBe(true);
  expect((err as Error).message).toMatch(match);
  const mem1 = process.memoryUsage();
  // Nothing near the claimed size (terabytes) was allocated, in JS or in the wasm heap.
  expect(mem1.arrayBuffers - mem0.arrayBuffers).toBeLessThan(256 * 2 ** 20);
  expect(mem1.rss - mem0.rss).toBeLessThan(512 * 2 ** 20);
}

describe('hostile Keras h5 files', () => {
  it('a valid file loads (the builder makes real Keras layouts)', async () => {
    const w = await loadKerasWeights(await buildKerasH5([denseLayer()]), denseExpected);
    expect(Array.from(await w.get('dense')![0].data())).toEqual([1, 2, 3, 4]);
    tf.dispose(w.get('dense')!);
  });

  it('a 8 KB dataset claiming 10^12 elements fails fast, before reading', async () => {
    const bytes = await buildKerasH5([denseLayer({ claim: [1_000_000, 1_000_000] })]);
    expect(bytes.byteLength).toBeLessThan(64 * 1024);
    await refused(() => readKerasWeights(bytes), /claims shape \[1000000,1000000\]/);
    const before = tf.memory().numTensors;
    await refused(() => loadKerasWeights(bytes, denseExpected), /shape \[1000000,1000000\], the model expects \[2,2\]/);
    await refused(() => loadModelWeights(bytes, denseExpected), /the model expects/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a claimed size just above the per-weight limit is refused too', async () => {
    const bytes = await buildKerasH5([denseLayer({ claim: [2 ** 15, 2 ** 14 + 1] })]);
    await refused(() => readKerasWeights(bytes), /larger than any real weight/);
  });

  it('truncated, listed-but-missing, and integer weights', async () => {
    const ok = await buildKerasH5([denseLayer()]);
    await refused(() => openKerasWeights(ok.slice(0, ok.length >> 1)), /could not be (opened|read)/);
    await refused(() => loadKerasWeights(ok.slice(0, 600), denseExpected), /could not be (opened|read)|not an HDF5/);
    await refused(
      async () => loadKerasWeights(await buildKerasH5([], ['dense']), denseExpected),
      /layer 'dense' is listed but has no group/,
    );
    const ints = await buildKerasH5([denseLayer({ data: new Int32Array([1, 2, 3, 4]) })]);
    await refused(() => readKerasWeights(ints), /not little-endian float32\/float64/);
  });
});

describe('hostile packed facekit weights (FKW1)', () => {
  const json = (weights: unknown[]) => ({
    format: 'facekit-weights',
    version: 1,
    weightsManifest: [{ paths: ['w.bin'], weights }],
  });
  const f32 = (name: string, shape: number[]) => ({ name, shape, dtype: 'float32' });

  it('absurd shapes, truncated data, null and malformed specs', async () => {
    const before = tf.memory().numTensors;
    const data = new Uint8Array(16);
    await refused(() => importTfjsWeights(json([f32('dense/0', [1e6, 1e6])]), data), /truncated/);
    await refused(() => importTfjsWeights(json([f32('dense/0', [2, 2])]), data.subarray(0, 8)), /truncated/);
    await refused(() => importTfjsWeights(json([null]), data), /only plain float32/);
    await refused(() => importTfjsWeights(json([f32('dense/0', [-4])]), data), /invalid shape/);
    await refused(() => importTfjsWeights(json([{ ...f32('dense/0', [4]), dtype: 'string' }]), data), /float32/);
    // An index outside the layer's list would decode a tensor nobody holds.
    await refused(() => importTfjsWeights(json([f32('dense/-1', [4])]), data), /unique <layer>\/<index>/);
    await refused(() => importTfjsWeights(json([f32('dense/0', [2]), f32('dense/0', [2])]), data), /unique/);
    const packed = packTfjsWeights({ json: json([f32('dense/0', [4])]) as never, data });
    new DataView(packed.buffer).setUint32(4, 0xffffffff, true); // header length beyond the file
    await refused(() => loadModelWeights(packed, []), /truncated/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
