import { FaceKitError } from './errors.js';

// Netpbm greymaps and pixmaps (.pgm / .ppm), the format of the classic face sets (AT&T/ORL, Yale). Written here
// because neither sharp's prebuilt libvips (no Netpbm loader) nor the browser decodes them, and no kept npm library
// reads them with the bounds checks untrusted uploads need. Only the first image of a multi-image file is read.

/**
 * A decoded Netpbm image: 8-bit RGB, row-major (greymaps are replicated into the three channels).
 *
 * @example
 * const { width, height, rgb } = decodeNetpbm(bytes); // rgb.length === width * height * 3
 */
export interface NetpbmImage {
  width: number;
  height: number;
  /** Samples per pixel in the file: 1 (PGM) or 3 (PPM). */
  channels: 1 | 3;
  /** The file's maxval (1…65535); samples are scaled to 0…255 by round(v · 255 / maxval). */
  maxval: number;
  rgb: Uint8Array;
}

/** Largest header field accepted (digits): 65535 needs 5, a 10⁹-pixel side 10. */
const MAX_DIGITS = 10;

/**
 * Whether the bytes start like a Netpbm greymap or pixmap (P2, P3, P5, P6 followed by whitespace).
 *
 * @example
 * isNetpbm(new TextEncoder().encode('P5\n92 112\n255\n')); // true
 */
export function isNetpbm(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 3 &&
    bytes[0] === 0x50 && // 'P'
    (bytes[1] === 0x32 || bytes[1] === 0x33 || bytes[1] === 0x35 || bytes[1] === 0x36) &&
    isSpace(bytes[2])
  );
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

/** Reads decimal numbers from the bytes, skipping whitespace and '#' comments (to the end of the line). */
class Tokens {
  constructor(
    private readonly bytes: Uint8Array,
    public at: number,
    private readonly name: string,
  ) {}

  number(what: string): number {
    const b = this.bytes;
    for (;;) {
      while (this.at < b.length && isSpace(b[this.at])) this.at++;
      if (this.at < b.length && b[this.at] === 0x23) {
        while (this.at < b.length && b[this.at] !== 0x0a && b[this.at] !== 0x0d) this.at++;
        continue;
      }
      break;
    }
    const start = this.at;
    let v = 0;
    while (this.at < b.length && b[this.at] >= 0x30 && b[this.at] <= 0x39) {
      v = v * 10 + (b[this.at] - 0x30);
      this.at++;
      if (this.at - start > MAX_DIGITS) throw bad(this.name, `${what} has too many digits`);
    }
    if (this.at === start) {
      throw bad(this.name, this.at >= b.length ? `ends before its ${what}` : `has no number for its ${what}`);
    }
    if (this.at < b.length && !isSpace(b[this.at]) && b[this.at] !== 0x23) {
      throw bad(this.name, `has a malformed ${what}`);
    }
    return v;
  }
}

function bad(name: string, why: string): FaceKitError {
  return new FaceKitError('E_DECODE', `${name} is not a valid Netpbm image: it ${why}`);
}

/**
 * Decodes a Netpbm greymap or pixmap — P2 (plain PGM), P5 (raw PGM), P3 (plain PPM), P6 (raw PPM), maxval up to
 * 65535 (raw samples of two bytes, big-endian) — into 8-bit RGB. Every header field is bounds-checked and the pixel
 * count is checked against `maxPixels` before anything is allocated; a truncated raster, a sample above maxval, a
 * zero or oversized dimension is E_DECODE, too many pixels E_IMAGE_TOO_LARGE. Time and memory are linear in the
 * pixel count.
 *
 * @example
 * const img = decodeNetpbm(await readFile('s1/1.pgm'), { maxPixels: 50_000_000 });
 * img.width; // 92
 */
export function decodeNetpbm(bytes: Uint8Array, options: { maxPixels?: number; name?: string } = {}): NetpbmImage {
  const name = options.name ?? 'the image';
  const maxPixels = options.maxPixels ?? Number.POSITIVE_INFINITY;
  if (!isNetpbm(bytes)) throw bad(name, 'does not start with P2, P3, P5 or P6');
  const kind = bytes[1] - 0x30;
  const plain = kind === 2 || kind === 3;
  const channels = kind === 3 || kind === 6 ? 3 : 1;
  const t = new Tokens(bytes, 2, name);
  const width = t.number('width');
  const height = t.number('height');
  const maxval = t.number('maxval');
  if (width < 1 || height < 1) throw bad(name, `has a zero dimension (${width}×${height})`);
  if (maxval < 1 || maxval > 65535) throw bad(name, `has maxval ${maxval}, outside 1…65535`);
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new FaceKitError(
      'E_IMAGE_TOO_LARGE',
      `${name} is ${width}×${height} = ${pixels} pixels, more than the limit of ${maxPixels}`,
      { details: { width, height, maxPixels } },
    );
  }
  const samples = pixels * channels;
  const wide = maxval > 255;
  if (!plain) {
    // Exactly one whitespace byte separates maxval from the raster.
    if (t.at >= bytes.length || !isSpace(bytes[t.at])) throw bad(name, 'ends before its raster');
    const need = samples * (wide ? 2 : 1);
    if (bytes.length - (t.at + 1) < need) {
      throw bad(name, `is truncated (${bytes.length - t.at - 1} raster bytes of ${need})`);
    }
  } else if (bytes.length - t.at < 2 * samples - 1) {
    // Each plain sample needs at least one digit and one separator.
    throw bad(name, 'is truncated (too few bytes for its samples)');
  }
  // Sample → 0…255, looked up (maxval + 1 entries).
  const scale = new Uint8Array(maxval + 1);
  for (let v = 0; v <= maxval; v++) scale[v] = Math.round((v * 255) / maxval);
  const rgb = new Uint8Array(pixels * 3);
  let at = t.at + 1;
  for (let i = 0; i < samples; i++) {
    let v: number;
    if (plain) v = t.number('sample');
    else if (wide) {
      v = (bytes[at] << 8) | bytes[at + 1];
      at += 2;
    } else v = bytes[at++];
    if (v > maxval) throw bad(name, `has a sample ${v} above its maxval ${maxval}`);
    const s = scale[v];
    if (channels === 3) rgb[i] = s;
    else {
      rgb[3 * i] = s;
      rgb[3 * i + 1] = s;
      rgb[3 * i + 2] = s;
    }
  }
  return { width, height, channels, maxval, rgb };
}
