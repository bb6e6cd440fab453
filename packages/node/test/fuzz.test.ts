// Property-based fuzzing with fast-check: mutated image bytes through the decoder and the public API. Whatever the
// bytes, the result is a valid [h, w, 3] image or a FaceKitError; no other error, no hang, no leaked tensor.
// FACEKIT_FUZZ_SCALE multiplies the runs (`npm run fuzz` for long runs).
import { disposeAll, isFaceKitError, represent, verify } from '@facekit/node';
import { decodeImageBytes } from '@facekit/node/advanced';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveShared, lfwDir, lfwImage } from '../../../test/utils.js';
import { animated, noise } from './corpus/make.js';

const SCALE = Number(process.env.FACEKIT_FUZZ_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
/** Per-case bound: a case slower than this is a hang (fast-check fails the property). */
const CASE_MS = 5000;

/** Small valid images of every accepted format: the seeds the mutations start from. */
async function seeds(source: sharp.Sharp): Promise<Buffer[]> {
  const s = () => source.clone();
  return Promise.all([
    s().jpeg({ quality: 80 }).toBuffer(),
    s().jpeg({ progressive: true }).toBuffer(),
    s().png().toBuffer(),
    s().webp().toBuffer(),
    s().webp({ lossless: true }).toBuffer(),
    s().tiff().toBuffer(),
    s().gif().toBuffer(),
    s().avif({ quality: 50 }).toBuffer(),
    s().withMetadata({ orientation: 6 }).jpeg().toBuffer(),
  ]);
}

/** A mutation of a seed: bit flips, byte overwrites, truncation, insertion, duplication of a slice. */
function mutated(pool: Buffer[]): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
    fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
    fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 64 }) }),
    fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), len: fc.nat(512) }),
  );
  return fc.tuple(fc.nat(pool.length - 1), fc.array(edit, { minLength: 1, maxLength: 8 })).map(([i, edits]) => {
    let b = Buffer.from(pool[i]);
    for (const e of edits) {
      const at = b.length ? e.at % b.length : 0;
      if (e.op === 'flip') b[at] ^= 1 << e.bit;
      else if (e.op === 'set') b[at] = e.value;
      else if (e.op === 'cut') b = b.subarray(0, at);
      else if (e.op === 'insert') b = Buffer.concat([b.subarray(0, at), e.bytes, b.subarray(at)]);
      else b = Buffer.concat([b.subarray(0, at + e.len), b.subarray(at)]);
    }
    return new Uint8Array(b);
  });
}

/** Resolves to what happened; throws (failing the property) on anything but a result or a FaceKitError. */
async function onlyFaceKitErrors(p: Promise<unknown>, codes: readonly string[]): Promise<unknown> {
  try {
    return await p;
  } catch (e) {
    if (!isFaceKitError(e)) throw new Error(`not a FaceKitError: ${String(e)}`, { cause: e });
    if (!codes.includes(e.code)) throw new Error(`unexpected code ${e.code}: ${e.message}`);
    return e;
  }
}

describe('fuzz: decodeImageBytes', () => {
  let pool: Buffer[] = [];
  beforeAll(async () => {
    const px = noise(48 * 40 * 3, 11);
    pool = await seeds(sharp(px, { raw: { width: 48, height: 40, channels: 3 } }));
    pool.push(await animated([pool[2], pool[2]], 'gif'));
  });

  it(`${runs(1800)} mutated images decode or fail with E_DECODE / E_IMAGE_TOO_LARGE`, async () => {
    const before = tf.memory().numTensors;
    await fc.assert(
      fc.asyncProperty(mutated(pool), async (bytes) => {
        const r = await onlyFaceKitErrors(decodeImageBytes(bytes, { maxPixels: 4_000_000 }), [
          'E_DECODE',
          'E_IMAGE_TOO_LARGE',
        ]);
        if (r instanceof tf.Tensor) {
          expect(r.rank).toBe(3);
          expect(r.shape[2]).toBe(3);
          expect(r.dtype).toBe('int32');
          r.dispose();
        }
      }),
      { numRuns: runs(1800), timeout: CASE_MS, seed: SCALE === 1 ? 20240611 : undefined },
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.runIf(haveShared(lfwDir, 'LFW'))('fuzz: the public API', () => {
  let pool: Buffer[] = [];
  beforeAll(async () => {
    pool = await seeds(sharp(lfwImage('Abdullah_Gul', 13)).resize(96, 96));
    await represent(pool[0], { enforceDetection: false }); // loads the models once
  });
  afterAll(() => disposeAll());

  it(`${runs(80)} mutated images through represent / verify: a result or a FaceKitError, nothing leaked`, async () => {
    const before = tf.memory().numTensors;
    await fc.assert(
      fc.asyncProperty(mutated(pool), fc.boolean(), fc.boolean(), async (bytes, enforceDetection, pair) => {
        const call = pair ? verify(pool[0], bytes, { enforceDetection }) : represent(bytes, { enforceDetection });
        await onlyFaceKitErrors(call, ['E_DECODE', 'E_IMAGE_TOO_LARGE', 'E_NO_FACE']);
      }),
      { numRuns: runs(80), timeout: CASE_MS, seed: SCALE === 1 ? 20240612 : undefined },
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it(`${runs(100)} arbitrary values as image and options: only E_INPUT / E_CONFIG / E_UNKNOWN_MODEL`, async () => {
    const before = tf.memory().numTensors;
    await fc.assert(
      fc.asyncProperty(fc.anything(), fc.anything(), async (image, options) => {
        await onlyFaceKitErrors(represent(image as never, options as never), [
          'E_INPUT',
          'E_CONFIG',
          'E_UNKNOWN_MODEL',
          'E_DECODE',
          'E_IO',
        ]);
      }),
      { numRuns: runs(100), timeout: CASE_MS, seed: SCALE === 1 ? 20240613 : undefined },
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
