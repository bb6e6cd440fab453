import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detect, FaceKitError, models, represent, verify } from '@facekit/node';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { expectCode, pngHeaderOnly } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'facekit-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
  .png()
  .toBuffer();
const pngFile = join(dir, 'grey.png');
writeFileSync(pngFile, png);
const textFile = join(dir, 'notes.jpg');
writeFileSync(textFile, 'not an image');

/** Fails the test if any detector is created: errors below must come before model loading. */
function forbidModelLoading() {
  return models.detectors.list().map((spec) => vi.spyOn(spec, 'create'));
}

describe('Node API: options are checked first', () => {
  it.each([
    [{ threshold: -1 }, 'E_CONFIG'],
    [{ threshold: Number.NaN }, 'E_CONFIG'],
    [{ metric: 'manhattan' }, 'E_CONFIG'],
    [{ minFaceScore: 2 }, 'E_CONFIG'],
    [{ maxPixels: -5 }, 'E_CONFIG'],
    [{ enforceDetection: 'yes' }, 'E_CONFIG'],
    [{ backend: 'gpu' }, 'E_CONFIG'],
    [{ enforce_detection: false }, 'E_CONFIG'],
    [{ detector: 'nope' }, 'E_UNKNOWN_MODEL'],
    [{ landmarker: 'nope' }, 'E_UNKNOWN_MODEL'],
    [{ align: '4d' }, 'E_UNKNOWN_MODEL'],
    [{ embedder: 'nope' }, 'E_UNKNOWN_MODEL'],
    ['fast', 'E_INPUT'],
  ] as const)('%j → %s', async (options, code) => {
    const spies = forbidModelLoading();
    await expectCode(verify(pngFile, pngFile, options as never), code);
    await expectCode(represent(pngFile, options as never), code);
    await expectCode(detect(pngFile, options as never), code);
    for (const s of spies) expect(s).not.toHaveBeenCalled();
  });
});

describe('Node API: bad inputs fail before models load, and leak nothing', () => {
  it('missing file → E_IO, text → E_DECODE, huge header → E_IMAGE_TOO_LARGE, wrong type → E_INPUT', async () => {
    const spies = forbidModelLoading();
    const before = tf.memory().numTensors;
    await expectCode(verify(join(dir, 'missing.jpg'), pngFile), 'E_IO');
    await expectCode(verify(pngFile, join(dir, 'missing.jpg')), 'E_IO');
    await expectCode(verify(pngFile, textFile), 'E_DECODE');
    await expectCode(represent(Buffer.alloc(0)), 'E_DECODE');
    await expectCode(detect(pngHeaderOnly(60_000, 60_000)), 'E_IMAGE_TOO_LARGE');
    await expectCode(verify(png, png, { maxPixels: 63 }), 'E_IMAGE_TOO_LARGE');
    await expectCode(verify(png, 42 as never), 'E_INPUT');
    await expectCode(represent({ path: pngFile } as never), 'E_INPUT');
    const wrong = tf.zeros([8, 8, 4]) as tf.Tensor3D;
    await expectCode(verify(png, wrong), 'E_INPUT');
    expect(wrong.isDisposed).toBe(false); // the caller's tensor is theirs
    wrong.dispose();
    expect(tf.memory().numTensors).toBe(before);
    for (const s of spies) expect(s).not.toHaveBeenCalled();
  });

  it('an aborted signal is E_ABORTED', async () => {
    const ac = new AbortController();
    ac.abort();
    await expectCode(verify(pngFile, pngFile, { signal: ac.signal }), 'E_ABORTED');
  });

  it('errors are FaceKitError instances with a message', async () => {
    const e = await verify(join(dir, 'missing.jpg'), pngFile).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FaceKitError);
    expect((e as Error).message).toContain('missing.jpg');
  });
});
