// Netpbm inputs end to end, and tightly cropped low-resolution faces like AT&T/ORL's (92×112 greyscale, the face
// filling the frame), made from LFW images: cropped to the face, scaled, greyscaled, written as PGM.
import { detect, disposeAll, verify } from '@facekit/node';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { haveShared, lfwDir, lfwImage } from '../../../test/utils.js';
import { expectCode } from './helpers.js';

afterAll(() => disposeAll());

/** An ORL-like PGM (P5, 92×112, maxval 255 or 65535) of the face of an LFW image: the box around it, greyscale. */
async function orlLike(path: string, wide = false, tight = false): Promise<Buffer> {
  // Deep-funneled LFW centres the face; x 70…180, y 58…192 spans forehead to chin and cheek to cheek (92:112);
  // `tight` x 85…165, y 85…182 cuts into the brows and cheeks.
  const box = tight ? { left: 85, top: 85, width: 80, height: 97 } : { left: 70, top: 58, width: 110, height: 134 };
  const { data } = await sharp(path)
    .extract(box)
    .resize(92, 112)
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const grey = data.filter((_, i) => i % (data.length / (92 * 112)) === 0);
  if (!wide) return Buffer.concat([Buffer.from('P5\n# ORL-like\n92 112\n255\n'), Buffer.from(grey)]);
  const out = Buffer.alloc(2 * grey.length);
  for (const [i, v] of grey.entries()) out.writeUInt16BE(v * 257, 2 * i);
  return Buffer.concat([Buffer.from('P5\n92 112\n65535\n'), out]);
}

describe('Netpbm input', () => {
  it('decodes a plain PPM and refuses a truncated PGM with E_DECODE', async () => {
    const ppm = Buffer.from('P3\n2 2\n255\n255 0 0 0 255 0 0 0 255 9 9 9\n');
    expect(await detect(ppm)).toEqual([]);
    await expectCode(verify(ppm, ppm), 'E_NO_FACE');
    await expectCode(detect(Buffer.from('P5\n92 112\n255\n\x00\x01')), 'E_DECODE');
  });
});

describe.runIf(haveShared(lfwDir, 'LFW (ORL-like crops)'))('tightly cropped 92×112 greyscale faces (PGM)', () => {
  const people: Array<[string, number]> = [
    ['Abdullah_Gul', 13],
    ['Aaron_Eckhart', 1],
    ['Ai_Sugiyama', 1],
    ['Alejandro_Toledo', 10],
  ];

  it.each([
    ['blazeface', false],
    ['blazeface', true],
    ['mtcnn', false],
  ])('are detected by %s (cut into the face: %s)', async (detector, tight) => {
    for (const [name, i] of people) {
      const faces = await detect(await orlLike(lfwImage(name, i), false, tight), { detector });
      expect(faces.length, `${name}_${i}`).toBeGreaterThan(0);
      const f = faces[0];
      expect(f.box.width).toBeGreaterThan(45);
      // Eyes in the upper half, the subject's right eye on the image's left.
      expect(f.five![0][1]).toBeLessThan(60);
      expect(f.five![0][0]).toBeLessThan(f.five![1][0]);
    }
  });

  it('verify: the same person at 8 and 16 bits, and someone else', async () => {
    const a = await orlLike(lfwImage('Abdullah_Gul', 13));
    const b = await orlLike(lfwImage('Abdullah_Gul', 14), true);
    const c = await orlLike(lfwImage('Aaron_Eckhart', 1));
    expect((await verify(a, b)).verified).toBe(true);
    expect((await verify(a, c)).verified).toBe(false);
  });
});
