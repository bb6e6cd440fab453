// The bad-input corpus: each kind of hostile or unusual input, how it is built, and the documented outcome.
// bad-inputs.test.ts runs every case through the public API and writes/checks docs/robustness.md from the results.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compareEmbeddings,
  DEFAULT_EMBEDDER,
  type Embedding,
  Gallery,
  isFaceKitError,
  models,
  type Representation,
  represent,
  verify,
} from '@facekit/node';
import { vectorDistance } from '@facekit/node/advanced';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import {
  animated,
  fromRaw,
  jpegClaiming,
  noise,
  onCanvas,
  png16,
  pngBomb,
  pngWithBody,
  type Raw,
  withAlpha,
  withOrientation,
} from './make.js';

/** What a case needs: the face (file, bytes, pixels, upright embedding), another person, a temp folder. */
export interface CorpusContext {
  dir: string;
  facePath: string;
  faceJpeg: Buffer;
  face: Raw;
  other: Buffer;
  upright: Embedding;
}

export interface CorpusCase {
  kind: string;
  /** The documented outcome: an error code in backticks, or what the result is. */
  expected: string;
  /** Runs the case and describes what happened, in the same words as `expected`. */
  run(ctx: CorpusContext): Promise<string>;
}

// Outcome phrases (the table in docs/robustness.md uses exactly these).
export const EQUAL = 'face found; same embedding as the upright image (cosine distance ≤ 1e-4)';
export const SAME = 'face found; same person as the upright image (verified)';

/** The docs table's outcome of `fn`: the FaceKitError code it rejects with, in backticks; a crash or a result spelled out. */
export async function outcomeOf(fn: () => Promise<unknown> | unknown): Promise<string> {
  try {
    await fn();
    return 'result returned';
  } catch (e) {
    if (isFaceKitError(e)) return `\`${e.code}\``;
    return `crash: ${String(e)}`;
  }
}

const spec = () => models.embedders.get(DEFAULT_EMBEDDER);

/** Embeds `input` and compares the chosen face with the upright image's embedding. */
async function sameAs(ctx: CorpusContext, input: Parameters<typeof represent>[0]): Promise<string> {
  let reps: Representation[];
  try {
    reps = await represent(input);
  } catch (e) {
    return isFaceKitError(e) ? `\`${e.code}\`` : `crash: ${String(e)}`;
  }
  const e = reps[0].embedding;
  if (vectorDistance(e.vector, ctx.upright.vector, 'cosine') <= 1e-4) return EQUAL;
  const v = compareEmbeddings(ctx.upright, e, spec());
  return v.verified ? SAME : `face found; another person (distance ${v.distance.toFixed(3)} > ${v.threshold})`;
}

const api = (input: Parameters<typeof represent>[0], options?: Parameters<typeof represent>[1]) => () =>
  represent(input, options);

function file(ctx: CorpusContext, name: string, bytes: Buffer | string): string {
  const path = join(ctx.dir, name);
  writeFileSync(path, bytes);
  return path;
}

const jpeg = (ctx: CorpusContext) => fromRaw(ctx.face).jpeg({ quality: 90 }).toBuffer();
const png = (ctx: CorpusContext) => fromRaw(ctx.face).png().toBuffer();
const webp = (ctx: CorpusContext) => fromRaw(ctx.face).webp({ quality: 90 }).toBuffer();
const small = (c: CorpusContext, width: number) => sharp(c.faceJpeg).resize(width).toBuffer();
const half = (b: Buffer) => b.subarray(0, Math.floor(b.length / 2));

/** Tensors built per case and disposed after (the API never disposes a caller's tensor). */
async function withTensor(make: () => tf.Tensor, fn: (t: tf.Tensor3D) => Promise<unknown>): Promise<string> {
  const t = make();
  try {
    return await outcomeOf(() => fn(t as tf.Tensor3D));
  } finally {
    t.dispose();
  }
}

const emb = (embedder: string, dim: number, fill = 0.1): Embedding => ({
  embedder,
  vector: new Float32Array(dim).fill(fill),
});

export const CASES: CorpusCase[] = [
  // Bytes that are not an image: refused while decoding, before any model loads.
  { kind: 'zero-byte file', expected: '`E_DECODE`', run: (c) => outcomeOf(api(file(c, 'empty.jpg', ''))) },
  { kind: 'plain text', expected: '`E_DECODE`', run: () => outcomeOf(api(Buffer.from('not an image, just text\n'))) },
  {
    kind: 'HTML page (an error page saved as .jpg)',
    expected: '`E_DECODE`',
    run: (c) => outcomeOf(api(file(c, 'page.jpg', '<!doctype html><html><body>404</body></html>'))),
  },
  { kind: 'JSON', expected: '`E_DECODE`', run: () => outcomeOf(api(Buffer.from('{"image": "face.jpg"}'))) },
  { kind: 'random bytes', expected: '`E_DECODE`', run: () => outcomeOf(api(noise(4096))) },
  {
    kind: 'truncated JPEG (first half)',
    expected: '`E_DECODE`',
    run: async (c) => outcomeOf(api(half(await jpeg(c)))),
  },
  { kind: 'truncated PNG (first half)', expected: '`E_DECODE`', run: async (c) => outcomeOf(api(half(await png(c)))) },
  {
    kind: 'truncated WebP (first half)',
    expected: '`E_DECODE`',
    run: async (c) => outcomeOf(api(half(await webp(c)))),
  },
  {
    kind: 'JPEG header + garbage body',
    expected: '`E_DECODE`',
    run: async (c) => outcomeOf(api(Buffer.concat([(await jpeg(c)).subarray(0, 20), noise(8000, 7)]))),
  },
  {
    kind: 'PNG header + garbage body',
    expected: '`E_DECODE`',
    run: () => outcomeOf(api(pngWithBody(64, 64, noise(2000, 3)))),
  },
  {
    kind: 'SVG (vector image, not a photo)',
    expected: '`E_DECODE`',
    run: () =>
      outcomeOf(
        api(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle r="9"/></svg>')),
      ),
  },
  { kind: 'missing file', expected: '`E_IO`', run: (c) => outcomeOf(api(join(c.dir, 'missing.jpg'))) },
  { kind: 'a folder instead of a file', expected: '`E_IO`', run: (c) => outcomeOf(api(c.dir)) },
  { kind: 'not an image input (number, plain object)', expected: '`E_INPUT`', run: () => outcomeOf(api(42 as never)) },
  // Decompression bombs: the pixel count is read from the header and refused before decoding.
  {
    kind: 'PNG claiming 100000 × 100000 (decompression bomb)',
    expected: '`E_IMAGE_TOO_LARGE`',
    run: () => outcomeOf(api(pngBomb(100_000, 100_000))),
  },
  {
    kind: 'JPEG claiming 65000 × 65000',
    expected: '`E_IMAGE_TOO_LARGE`',
    run: async (c) => outcomeOf(api(jpegClaiming(await jpeg(c), 65_000, 65_000))),
  },
  {
    kind: 'real image above a configured `maxPixels`',
    expected: '`E_IMAGE_TOO_LARGE`',
    run: (c) => outcomeOf(api(c.faceJpeg, { maxPixels: 10_000 })),
  },
  // Unusual but valid images: decoded to the same upright 8-bit RGB and embedded.
  {
    kind: 'wrong extension (PNG bytes named .jpg)',
    expected: EQUAL,
    run: async (c) => sameAs(c, file(c, 'face-really-png.jpg', await png(c))),
  },
  ...[1, 2, 3, 4, 5, 6, 7, 8].map(
    (o): CorpusCase => ({
      kind: `EXIF orientation ${o}`,
      expected: EQUAL,
      run: async (c) => sameAs(c, await withOrientation(c.face, o)),
    }),
  ),
  { kind: '16-bit PNG', expected: EQUAL, run: async (c) => sameAs(c, await png16(c.face)) },
  {
    kind: 'alpha channel (transparent border)',
    expected: EQUAL,
    run: async (c) => sameAs(c, await withAlpha(c.face, 8)),
  },
  {
    kind: 'grayscale JPEG',
    expected: SAME,
    run: async (c) => sameAs(c, await fromRaw(c.face).grayscale().jpeg({ quality: 95 }).toBuffer()),
  },
  {
    kind: 'CMYK JPEG',
    expected: SAME,
    run: async (c) => sameAs(c, await fromRaw(c.face).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer()),
  },
  {
    kind: 'animated GIF (face in the first frame)',
    expected: SAME,
    run: async (c) => sameAs(c, await animated([await png(c), await sharp(c.other).png().toBuffer()], 'gif')),
  },
  { kind: 'AVIF', expected: SAME, run: async (c) => sameAs(c, await fromRaw(c.face).avif({ quality: 80 }).toBuffer()) },
  // Faces that are hard to find.
  {
    kind: '1 × 1 pixel image',
    expected: '`E_NO_FACE`',
    run: async (c) => outcomeOf(api(await fromRaw(c.face).resize(1, 1).png().toBuffer())),
  },
  {
    kind: '1 × 1 pixel image, `enforceDetection: false`',
    expected: 'result returned',
    run: async (c) => outcomeOf(api(await fromRaw(c.face).resize(1, 1).png().toBuffer(), { enforceDetection: false })),
  },
  {
    kind: 'extreme aspect ratio (4000 × 2)',
    expected: '`E_NO_FACE`',
    run: async (c) => outcomeOf(api(await fromRaw(c.face).resize(4000, 2, { fit: 'fill' }).png().toBuffer())),
  },
  {
    kind: 'no face (flat grey)',
    expected: '`E_NO_FACE`',
    run: () => outcomeOf(api(Buffer.from(pngSync()))),
  },
  {
    kind: 'no face, `enforceDetection: false` (whole image used)',
    expected: 'result returned',
    run: () => outcomeOf(api(Buffer.from(pngSync()), { enforceDetection: false })),
  },
  {
    kind: 'two faces: the largest is chosen',
    // The subject is pasted unscaled. The portrait alone is answered by BlazeFace's 160² quick look, the wider canvas
    // (the face is ~24 % of its side) by the 256² looks; FaceMesh still lands within a fraction of a pixel, so the
    // embedding matches to 1e-4. (Both on 256² looks it was only the same person: the outcome tracks sub-pixel moves.)
    expected: EQUAL,
    run: async (c) => {
      const small = await sharp(c.other).resize(110, 110).toBuffer();
      return sameAs(
        c,
        await onCanvas(420, 260, [
          { input: c.faceJpeg, left: 0, top: 5 },
          { input: small, left: 290, top: 70 },
        ]),
      );
    },
  },
  {
    kind: 'two faces, `all: true`',
    expected: '2 faces, largest first',
    run: async (c) => {
      const small = await sharp(c.other).resize(110, 110).toBuffer();
      const img = await onCanvas(420, 260, [
        { input: c.faceJpeg, left: 0, top: 5 },
        { input: small, left: 290, top: 70 },
      ]);
      const reps = await represent(img, { all: true });
      const areas = reps.map((r) => r.face.box.width * r.face.box.height);
      const sorted = areas.every((a, i) => i === 0 || areas[i - 1] >= a);
      return `${reps.length} faces${sorted ? ', largest first' : ', not sorted'}`;
    },
  },
  {
    kind: 'small face (40 px wide in 400 × 400)',
    expected: SAME,
    run: async (c) => sameAs(c, await onCanvas(400, 400, [{ input: await small(c, 40), left: 180, top: 180 }])),
  },
  {
    kind: 'tiny face (12 px wide in 400 × 400)',
    expected: '`E_NO_FACE`',
    run: async (c) => outcomeOf(api(await onCanvas(400, 400, [{ input: await small(c, 12), left: 194, top: 194 }]))),
  },
  {
    kind: 'face at the image border (cropped at its left edge)',
    expected: SAME,
    run: async (c) =>
      sameAs(c, await sharp(c.faceJpeg).extract({ left: 75, top: 0, width: 175, height: 250 }).toBuffer()),
  },
  // Tensors given directly: validated, never disposed (they are the caller's).
  {
    kind: 'float32 tensor with NaN',
    expected: '`E_INPUT`',
    run: () =>
      withTensor(
        () => tf.fill([8, 8, 3], Number.NaN),
        (t) => represent(t),
      ),
  },
  {
    kind: 'float32 tensor with Infinity',
    expected: '`E_INPUT`',
    run: () =>
      withTensor(
        () => tf.fill([8, 8, 3], Number.POSITIVE_INFINITY),
        (t) => represent(t),
      ),
  },
  {
    kind: 'tensor of rank 2',
    expected: '`E_INPUT`',
    run: () =>
      withTensor(
        () => tf.zeros([8, 8]),
        (t) => represent(t),
      ),
  },
  {
    kind: 'tensor with 4 channels (RGBA)',
    expected: '`E_INPUT`',
    run: () =>
      withTensor(
        () => tf.zeros([8, 8, 4]),
        (t) => represent(t),
      ),
  },
  {
    kind: 'tensor of dtype bool',
    expected: '`E_INPUT`',
    run: () =>
      withTensor(
        () => tf.zeros([8, 8, 3], 'bool'),
        (t) => represent(t),
      ),
  },
  {
    kind: 'empty tensor [0, 8, 3]',
    expected: '`E_INPUT`',
    run: () =>
      withTensor(
        () => tf.zeros([0, 8, 3]),
        (t) => verify(t, t),
      ),
  },
  // Embeddings compared or enrolled across embedders / dimensions.
  {
    kind: 'embedding of the wrong dimension compared',
    expected: '`E_EMBEDDING_MISMATCH`',
    run: async (c) => outcomeOf(() => compareEmbeddings(c.upright, emb(c.upright.embedder, 64), spec())),
  },
  {
    kind: 'embedding of another embedder compared',
    expected: '`E_EMBEDDING_MISMATCH`',
    run: async (c) => outcomeOf(() => compareEmbeddings(emb('facenet', 128), c.upright, spec())),
  },
  {
    kind: 'embedding of another embedder enrolled in a gallery',
    expected: '`E_EMBEDDING_MISMATCH`',
    run: async (c) =>
      outcomeOf(() => {
        const g = Gallery.forEmbedder(spec());
        g.enroll('a', c.upright);
        g.enroll('b', emb('facenet', c.upright.vector.length));
      }),
  },
  {
    kind: 'embedding of the wrong dimension as a gallery query',
    expected: '`E_EMBEDDING_MISMATCH`',
    run: async (c) =>
      outcomeOf(() => {
        const g = Gallery.forEmbedder(spec());
        g.enroll('a', c.upright);
        g.identify(emb(c.upright.embedder, 512));
      }),
  },
  {
    kind: 'embedding with NaN enrolled',
    expected: '`E_INPUT`',
    run: async (c) =>
      outcomeOf(() => Gallery.forEmbedder(spec()).enroll('a', emb(c.upright.embedder, 128, Number.NaN))),
  },
];

let grey: Buffer | undefined;
/** A flat grey 160 × 120 PNG (built once, synchronously usable by the cases). */
function pngSync(): Buffer {
  if (!grey) throw new Error('call prepareCorpus() first');
  return grey;
}

/** Builds the shared images the cases reuse. */
export async function prepareCorpus(): Promise<void> {
  grey = await sharp({ create: { width: 160, height: 120, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
}
