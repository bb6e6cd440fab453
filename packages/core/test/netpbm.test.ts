// The Netpbm reader: the four formats, maxval scaling, comments, and hostile headers.
import { decodeNetpbm, FaceKitError, isNetpbm } from '@facekit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/utils.js';

const ascii = (s: string) => new TextEncoder().encode(s);
const join = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe('decodeNetpbm', () => {
  it('reads raw and plain greymaps into grey RGB', () => {
    const raw = decodeNetpbm(join(ascii('P5\n# a comment\n3 2\n255\n'), new Uint8Array([0, 10, 20, 30, 40, 255])));
    expect(raw).toMatchObject({ width: 3, height: 2, channels: 1, maxval: 255 });
    expect(Array.from(raw.rgb.subarray(0, 6))).toEqual([0, 0, 0, 10, 10, 10]);
    expect(Array.from(raw.rgb.subarray(15))).toEqual([255, 255, 255]);
    const plain = decodeNetpbm(ascii('P2 3 2 15 # maxval 15\n0 1 2\n3 14 15\n'));
    expect(Array.from(plain.rgb.filter((_, i) => i % 3 === 0))).toEqual([0, 17, 34, 51, 238, 255]);
  });

  it('reads raw and plain pixmaps, and 16-bit samples (big-endian), scaled to 8 bits', () => {
    const p6 = decodeNetpbm(join(ascii('P6 2 1 255\n'), new Uint8Array([1, 2, 3, 4, 5, 6])));
    expect(Array.from(p6.rgb)).toEqual([1, 2, 3, 4, 5, 6]);
    const p3 = decodeNetpbm(ascii('P3\n1 1\n65535\n65535 0 32768\n'));
    expect(Array.from(p3.rgb)).toEqual([255, 0, 128]);
    const p5wide = decodeNetpbm(join(ascii('P5 2 1 65535\n'), new Uint8Array([0xff, 0xff, 0x01, 0x00])));
    expect(Array.from(p5wide.rgb)).toEqual([255, 255, 255, 1, 1, 1]);
    const maxval1 = decodeNetpbm(join(ascii('P5 2 1 1\n'), new Uint8Array([0, 1])));
    expect(Array.from(maxval1.rgb)).toEqual([0, 0, 0, 255, 255, 255]);
  });

  it('recognises Netpbm by its magic only', () => {
    expect(isNetpbm(ascii('P5\n'))).toBe(true);
    expect(isNetpbm(ascii('P6 '))).toBe(true);
    for (const s of ['P1\n', 'P4\n', 'P7\n', 'P5', 'P5x', '\xff\xd8\xff']) expect(isNetpbm(ascii(s))).toBe(false);
  });

  it('refuses hostile and broken headers with E_DECODE, oversized images with E_IMAGE_TOO_LARGE', () => {
    const cases: Array<[Uint8Array, string]> = [
      [ascii('P5\n0 10\n255\n'), 'E_DECODE'], // zero width
      [ascii('P5\n10 10\n0\n'), 'E_DECODE'], // maxval 0
      [ascii('P5\n10 10\n65536\n'), 'E_DECODE'], // maxval too large
      [ascii('P5\n-1 10\n255\n'), 'E_DECODE'], // negative
      [ascii('P5\n99999999999 10\n255\n'), 'E_DECODE'], // too many digits
      [ascii('P5\n10x 10\n255\n'), 'E_DECODE'], // junk after a number
      [ascii('P5\n10 10\n'), 'E_DECODE'], // no maxval
      [ascii('P5\n10 10\n255'), 'E_DECODE'], // no raster separator
      [join(ascii('P5\n10 10\n255\n'), new Uint8Array(99)), 'E_DECODE'], // one byte short
      [join(ascii('P5\n2 1\n65535\n'), new Uint8Array(3)), 'E_DECODE'], // 16-bit, short
      [join(ascii('P5\n2 1\n100\n'), new Uint8Array([50, 101])), 'E_DECODE'], // sample above maxval
      [ascii('P2\n2 2\n255\n1 2 3\n'), 'E_DECODE'], // plain, too few samples
      [ascii('P2\n2 1\n255\n1 x\n'), 'E_DECODE'], // plain, not a number
      [ascii('P3\n1 1\n255\n1 2 300\n'), 'E_DECODE'], // plain sample above maxval
      [ascii('P5 # only a comment'), 'E_DECODE'],
      [ascii('P5\n100000 100000\n255\n'), 'E_IMAGE_TOO_LARGE'], // 10¹⁰ pixels, no raster: refused before allocating
    ];
    for (const [bytes, code] of cases) {
      expect(
        codeOf(() => decodeNetpbm(bytes, { maxPixels: 50_000_000 })),
        new TextDecoder().decode(bytes),
      ).toBe(code);
    }
  });

  it('never throws anything but E_DECODE / E_IMAGE_TOO_LARGE on arbitrary bytes after a Netpbm magic', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('P2 ', 'P3\n', 'P5\n', 'P6 '),
        fc.uint8Array({ maxLength: 64 }),
        fc.string({ maxLength: 24 }),
        (magic, tail, header) => {
          const bytes = join(ascii(magic), ascii(header), tail);
          try {
            const img = decodeNetpbm(bytes, { maxPixels: 1e6 });
            expect(img.rgb.length).toBe(img.width * img.height * 3);
          } catch (e) {
            expect(e).toBeInstanceOf(FaceKitError);
            expect(['E_DECODE', 'E_IMAGE_TOO_LARGE']).toContain((e as FaceKitError).code);
          }
        },
      ),
      { numRuns: 2000, seed: 21 },
    );
  });
});
