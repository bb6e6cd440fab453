import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImageBytes, toImageTensor, withImages } from '../src/decode.js';
import { ORIENT } from './corpus/make.js';
import { expectCode, pngHeaderOnly } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'facekit-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small image whose every pixel differs, so flips and rotations are visible. */
function pattern(width: number, height: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      px[i] = 20 + x * 30;
      px[i + 1] = 20 + y * 40;
      px[i + 2] = (x * 7 + y * 11) % 256;
    }
  }
  return px;
}

const raw = (px: Buffer | Uint8Array, width: number, height: number, channels: 1 | 2 | 3 | 4 = 3) =>
  sharp(px, { raw: { width, height, channels } });

async function decoded(bytes: Uint8Array, options = {}): Promise<{ shape: number[]; dtype: string; data: number[] }> {
  const t = await decodeImageBytes(bytes, options);
  const out = { shape: t.shape, dtype: t.dtype, data: Array.from(await t.data()) };
  t.dispose();
  return out;
}

const W = 6;
const H = 4;
const upright = pattern(W, H);

describe('decodeImageBytes: formats', () => {
  it('decodes PNG and lossless WebP exactly, as int32 [h, w, 3]', async () => {
    for (const encode of [(s: sharp.Sharp) => s.png(), (s: sharp.Sharp) => s.webp({ lossless: true })]) {
      const bytes = await encode(raw(upright, W, H)).toBuffer();
      const d = await decoded(bytes);
      expect(d.shape).toEqual([H, W, 3]);
      expect(d.dtype).toBe('int32');
      expect(d.data).toEqual(Array.from(upright));
    }
  });

  it('expands grayscale to three equal channels', async () => {
    const gray = Buffer.from(Array.from({ length: W * H }, (_, i) => i * 10));
    const d = await decoded(await raw(gray, W, H, 1).png().toBuffer());
    expect(d.shape).toEqual([H, W, 3]);
    for (let i = 0; i < W * H; i++) expect(d.data.slice(i * 3, i * 3 + 3)).toEqual([i * 10, i * 10, i * 10]);
  });

  it('composites transparency over white', async () => {
    // Pixel 0 opaque red, pixel 1 fully transparent blue, pixel 2 half-transparent black.
    const rgba = Buffer.from([255, 0, 0, 255, 0, 0, 255, 0, 0, 0, 0, 128]);
    const d = await decoded(await raw(rgba, 3, 1, 4).png().toBuffer());
    expect(d.shape).toEqual([1, 3, 3]);
    expect(d.data.slice(0, 3)).toEqual([255, 0, 0]);
    expect(d.data.slice(3, 6)).toEqual([255, 255, 255]);
    for (const v of d.data.slice(6, 9)) expect(Math.abs(v - 127)).toBeLessThanOrEqual(1);
  });

  it('converts 16-bit PNG to 8 bits', async () => {
    const u16 = new Uint16Array(W * H * 3).map((_, i) => (i * 997) % 65536);
    const bytes = await sharp(u16, { raw: { width: W, height: H, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(bytes).metadata()).depth).toBe('ushort'); // really a 16-bit file
    const d = await decoded(bytes);
    expect(d.shape).toEqual([H, W, 3]);
    const err = Math.max(...d.data.map((v, i) => Math.abs(v - u16[i] / 257)));
    expect(err).toBeLessThanOrEqual(1);
  });

  it('converts CMYK JPEG to sRGB', async () => {
    // Flat in-gamut colour patches survive a CMYK JPEG round trip within a few levels.
    const flat = Buffer.alloc(16 * 16 * 3);
    for (let i = 0; i < 16 * 16; i++) flat.set(i < 128 ? [180, 120, 100] : [90, 110, 140], i * 3);
    const cmyk = await raw(flat, 16, 16).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const d = await decoded(cmyk);
    expect(d.shape).toEqual([16, 16, 3]);
    const at = (p: number) => d.data.slice(p * 3, p * 3 + 3);
    const off = (p: number, rgb: number[]) => Math.max(...at(p).map((v, c) => Math.abs(v - rgb[c])));
    expect(off(8, [180, 120, 100])).toBeLessThanOrEqual(8);
    expect(off(248, [90, 110, 140])).toBeLessThanOrEqual(8);
  });

  it('takes the first frame of an animated GIF and WebP', async () => {
    const frame = (v: number) =>
      raw(Buffer.alloc(4 * 3 * 3, v), 4, 3)
        .png()
        .toBuffer();
    const [a, b] = await Promise.all([frame(10), frame(200)]);
    for (const enc of ['gif', 'webp'] as const) {
      const s = sharp([a, b], { join: { animated: true } });
      const anim = await (enc === 'gif' ? s.gif() : s.webp({ lossless: true })).toBuffer();
      expect((await sharp(anim).metadata()).pages).toBe(2);
      const d = await decoded(anim);
      expect(d.shape).toEqual([3, 4, 3]);
      for (const v of d.data) expect(Math.abs(v - 10)).toBeLessThanOrEqual(2);
    }
  });
});

/** The stored pixels that display as `upright` under orientation o. */
function storedFor(o: number): { px: Buffer; w: number; h: number } {
  const { swap, from } = ORIENT[o];
  const [w, h] = swap ? [H, W] : [W, H];
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [sx, sy] = from(x, y, w, h);
      upright.copy(px, (sy * w + sx) * 3, (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  }
  return { px, w, h };
}

describe('decodeImageBytes: EXIF orientation', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('orientation %i decodes to the upright pixels', async (o) => {
    const { px, w, h } = storedFor(o);
    if (o !== 1) expect(Buffer.compare(px, upright) !== 0 || w !== W).toBe(true); // the file really differs
    const bytes = await raw(px, w, h).withMetadata({ orientation: o }).png().toBuffer();
    expect((await sharp(bytes).metadata()).orientation).toBe(o);
    const d = await decoded(bytes);
    expect(d.shape).toEqual([H, W, 3]);
    expect(d.data).toEqual(Array.from(upright));
  });
});

describe('decodeImageBytes: limits and bad bytes', () => {
  it('refuses a huge header before decoding (E_IMAGE_TOO_LARGE, not E_DECODE)', async () => {
    const bomb = pngHeaderOnly(100_000, 100_000);
    expect((await sharp(bomb, { limitInputPixels: false }).metadata()).width).toBe(100_000);
    const mem0 = process.memoryUsage();
    await expectCode(decodeImageBytes(bomb), 'E_IMAGE_TOO_LARGE');
    // Nothing near the 30 GB of pixels was allocated.
    expect(process.memoryUsage().arrayBuffers - mem0.arrayBuffers).toBeLessThan(64 * 2 ** 20);
    // The same file under a limit it fits is decoded, and fails for its missing pixels: the check came first.
    await expectCode(decodeImageBytes(pngHeaderOnly(10, 10)), 'E_DECODE');
  });

  it('applies a configurable pixel limit', async () => {
    const bytes = await raw(upright, W, H).png().toBuffer();
    await expectCode(decodeImageBytes(bytes, { maxPixels: W * H - 1 }), 'E_IMAGE_TOO_LARGE');
    expect((await decoded(bytes, { maxPixels: W * H })).shape).toEqual([H, W, 3]);
    expect((await decoded(bytes, { maxPixels: Number.POSITIVE_INFINITY })).shape).toEqual([H, W, 3]);
    await expectCode(decodeImageBytes(bytes, { maxPixels: 0 }), 'E_CONFIG');
  });

  it('rejects zero bytes, text, truncated files and garbage with E_DECODE', async () => {
    const jpeg = await raw(pattern(64, 64), 64, 64).jpeg().toBuffer();
    const png = await raw(pattern(64, 64), 64, 64).png({ compressionLevel: 0 }).toBuffer();
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24));
    const bad: Array<[string, Uint8Array]> = [
      ['zero bytes', new Uint8Array(0)],
      ['text', Buffer.from('hello, this is not an image\n')],
      ['truncated JPEG', jpeg.subarray(0, Math.floor(jpeg.length / 2))],
      ['truncated PNG', png.subarray(0, Math.floor(png.length / 2))],
      ['garbage', garbage],
    ];
    for (const [, bytes] of bad) await expectCode(decodeImageBytes(bytes), 'E_DECODE');
  });
});

describe('toImageTensor / withImages', () => {
  it('reads a path, a file: URL (object or string), a Buffer, a Uint8Array and an ArrayBuffer to the same pixels', async () => {
    const bytes = await raw(upright, W, H).png().toBuffer();
    const file = join(dir, 'img.png');
    writeFileSync(file, bytes);
    const copy = new Uint8Array(bytes);
    for (const input of [file, pathToFileURL(file), pathToFileURL(file).href, bytes, copy, copy.buffer]) {
      const { tensor, owned } = await toImageTensor(input);
      expect(owned).toBe(true);
      expect(Array.from(await tensor.data())).toEqual(Array.from(upright));
      tensor.dispose();
    }
  });

  it('missing files and folders are E_IO; other inputs E_INPUT', async () => {
    await expectCode(toImageTensor(join(dir, 'missing.jpg')), 'E_IO');
    await expectCode(toImageTensor(dir), 'E_IO');
    await expectCode(toImageTensor(42 as never), 'E_INPUT');
    await expectCode(toImageTensor(null as never), 'E_INPUT');
    await expectCode(toImageTensor(new URL('https://example.com/a.jpg')), 'E_INPUT');
    const e = await expectCode(toImageTensor('https://example.com/a.jpg'), 'E_INPUT');
    expect(e.message).toMatch(/only file: URLs/);
    await expectCode(toImageTensor(pathToFileURL(join(dir, 'missing.jpg')).href), 'E_IO');
    const file = join(dir, 'empty.jpg');
    writeFileSync(file, '');
    await expectCode(toImageTensor(file), 'E_DECODE');
  });

  it('passes a caller tensor through after validation and never disposes it', async () => {
    const t = tf.zeros([5, 4, 3], 'int32') as tf.Tensor3D;
    const { tensor, owned } = await toImageTensor(t);
    expect(tensor).toBe(t);
    expect(owned).toBe(false);
    await withImages([t], {}, async () => undefined);
    expect(t.isDisposed).toBe(false);
    t.dispose();
    const wrong = tf.zeros([5, 4, 4]);
    await expectCode(toImageTensor(wrong as tf.Tensor3D), 'E_INPUT');
    wrong.dispose();
    await expectCode(toImageTensor(t), 'E_INPUT'); // disposed
  });

  it('disposes what it decoded, also when a later input or the callback fails', async () => {
    const bytes = await raw(upright, W, H).png().toBuffer();
    const before = tf.memory().numTensors;
    await expectCode(
      withImages([bytes, Buffer.from('nope')], {}, async () => 1),
      'E_DECODE',
    );
    await expect(
      withImages([bytes, bytes], {}, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const seen = await withImages([bytes, bytes], {}, async (ts) => ts.map((t) => t.shape));
    expect(seen).toEqual([
      [H, W, 3],
      [H, W, 3],
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
