// Builders of hostile and unusual image bytes for the bad-input corpus (bad-inputs.test.ts) and the fuzz seeds.
// Everything is generated here with sharp from one real face; nothing is downloaded or committed.
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

export interface Raw {
  data: Buffer;
  width: number;
  height: number;
}

/** Decoded 8-bit RGB pixels of an image file. */
export async function rawRgb(input: string | Buffer): Promise<Raw> {
  const { data, info } = await sharp(input).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export const fromRaw = (r: Raw, channels: 1 | 2 | 3 | 4 = 3) =>
  sharp(r.data, { raw: { width: r.width, height: r.height, channels } });

/**
 * EXIF orientation o says how stored pixels are transformed for display; `from` maps a displayed (x, y) to the
 * stored pixel it shows (stored size w × h). decode.test.ts checks the decoder against it pixel by pixel.
 */
export const ORIENT: Record<
  number,
  { swap: boolean; from: (x: number, y: number, w: number, h: number) => [number, number] }
> = {
  1: { swap: false, from: (x, y) => [x, y] },
  2: { swap: false, from: (x, y, w) => [w - 1 - x, y] },
  3: { swap: false, from: (x, y, w, h) => [w - 1 - x, h - 1 - y] },
  4: { swap: false, from: (x, y, _w, h) => [x, h - 1 - y] },
  5: { swap: true, from: (x, y) => [y, x] },
  6: { swap: true, from: (x, y, _w, h) => [y, h - 1 - x] },
  7: { swap: true, from: (x, y, w, h) => [w - 1 - y, h - 1 - x] },
  8: { swap: true, from: (x, y, w) => [w - 1 - y, x] },
};

/** A PNG whose stored pixels display as `upright` under EXIF orientation o (lossless, so decoding is exact). */
export async function withOrientation(upright: Raw, o: number): Promise<Buffer> {
  const { swap, from } = ORIENT[o];
  const { width: W, height: H } = upright;
  const [w, h] = swap ? [H, W] : [W, H];
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [sx, sy] = from(x, y, w, h);
      upright.data.copy(px, (sy * w + sx) * 3, (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  }
  return fromRaw({ data: px, width: w, height: h }).withMetadata({ orientation: o }).png().toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A valid PNG signature and IHDR (8-bit RGB, width × height) followed by `body`, then IEND. */
export function pngWithBody(width: number, height: number, body: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([PNG_SIG, pngChunk('IHDR', ihdr), body, pngChunk('IEND', Buffer.alloc(0))]);
}

/** A decompression bomb: the header claims width × height, a tiny zlib stream of `bytes` pixel bytes follows. */
export const pngBomb = (width: number, height: number, bytes = 1000) =>
  pngWithBody(width, height, pngChunk('IDAT', deflateSync(Buffer.alloc(bytes))));

/** A JPEG whose SOF marker is patched to claim width × height (≤ 65535 each). */
export function jpegClaiming(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i + 9 < out.length; ) {
    if (out[i] !== 0xff) break;
    const marker = out[i + 1];
    const len = out.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
    i += 2 + len;
  }
  throw new Error('no SOF marker found');
}

/** Deterministic pseudo-random bytes (a fixed LCG: the corpus is the same on every run). */
export function noise(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}

/** `face` (w × h) composited onto a grey canvas at (left, top), other images optionally beside it. */
export async function onCanvas(
  width: number,
  height: number,
  parts: Array<{ input: Buffer; left: number; top: number }>,
): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#a0a0a0' } })
    .composite(parts)
    .png()
    .toBuffer();
}

/** Two frames joined into an animated GIF or WebP (the first frame is what facekit uses). */
export async function animated(frames: Buffer[], as: 'gif' | 'webp'): Promise<Buffer> {
  const s = sharp(frames, { join: { animated: true } });
  return (as === 'gif' ? s.gif() : s.webp({ quality: 95 })).toBuffer();
}

/** 16-bit-per-channel PNG of the same pixels (each 8-bit value v stored as v × 257). */
export async function png16(r: Raw): Promise<Buffer> {
  const u16 = new Uint16Array(r.data.length);
  for (let i = 0; i < r.data.length; i++) u16[i] = r.data[i] * 257;
  return sharp(u16, { raw: { width: r.width, height: r.height, channels: 3 } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
}

/** RGBA PNG: the same pixels, opaque in the middle and transparent in a border (composited over white). */
export async function withAlpha(r: Raw, border: number): Promise<Buffer> {
  const rgba = Buffer.alloc(r.width * r.height * 4);
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      const i = y * r.width + x;
      r.data.copy(rgba, i * 4, i * 3, i * 3 + 3);
      const inside = x >= border && y >= border && x < r.width - border && y < r.height - border;
      rgba[i * 4 + 3] = inside ? 255 : 0;
    }
  }
  return fromRaw({ data: rgba, width: r.width, height: r.height }, 4).png().toBuffer();
}
