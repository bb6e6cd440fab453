import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  assertImageTensor,
  assertMaxPixels,
  DEFAULT_MAX_PIXELS,
  decodeNetpbm,
  describeInput,
  FaceKitError,
  isNetpbm,
} from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';

/**
 * What the Node API accepts as an image: a file path (or `file:` URL), encoded bytes (JPEG, PNG, WebP, GIF,
 * TIFF, AVIF/HEIF, Netpbm PGM/PPM; not SVG or PDF) as a Buffer / Uint8Array / ArrayBuffer, or an already decoded RGB tensor
 * [height, width, 3].
 *
 * @example
 * const inputs: ImageInput[] = ['a.jpg', new URL('file:///tmp/b.png'), await readFile('c.webp')];
 */
export type ImageInput = string | URL | Uint8Array | ArrayBuffer | tf.Tensor3D;

/**
 * Options of image decoding.
 *
 * @example
 * const image = await toImageTensor('photo.jpg', { maxPixels: 20_000_000 } satisfies DecodeOptions);
 */
export interface DecodeOptions {
  /** Largest image accepted, in pixels (width × height), checked from the header before decoding. */
  maxPixels?: number;
}

/**
 * Raster formats accepted (sharp's `format` names; AVIF/HEIC report 'heif'). Vector and document formats (SVG,
 * PDF) and libvips' own formats are refused: rendering them from untrusted uploads is attack surface, not photos.
 */
const RASTER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'jp2k', 'jxl']);

async function readBytes(input: string | URL): Promise<{ bytes: Uint8Array; name: string }> {
  let path: string;
  try {
    // A `file:` URL string is a URL, not a relative path named "file:…"; other schemes are refused below.
    path = input instanceof URL || /^file:/i.test(input) ? fileURLToPath(input) : input;
  } catch (cause) {
    throw new FaceKitError('E_INPUT', `only file: URLs can be read, got ${String(input)}`, { cause });
  }
  if (path === '') throw new FaceKitError('E_INPUT', 'the image path is empty');
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(path)) {
    throw new FaceKitError(
      'E_INPUT',
      `only file: URLs can be read, got ${path} (download it first and pass the bytes)`,
    );
  }
  try {
    return { bytes: await readFile(path), name: path };
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (cause as Error).message;
    throw new FaceKitError('E_IO', `cannot read ${path}: ${why}`, { cause });
  }
}

function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  return input instanceof ArrayBuffer ? new Uint8Array(input) : input;
}

/** Maps a sharp / libvips failure to our codes: only the pixel guard is not a decoding problem. */
function decodeError(cause: unknown, name: string): FaceKitError {
  const msg = String((cause as Error)?.message ?? cause).split('\n')[0];
  if (/pixel limit/i.test(msg)) {
    return new FaceKitError('E_IMAGE_TOO_LARGE', `${name} has more pixels than the limit`, { cause });
  }
  return new FaceKitError('E_DECODE', `${name} is not a decodable image: ${msg}`, { cause });
}

/**
 * Decodes encoded image bytes to an int32 tensor [height, width, 3] in 8-bit sRGB: EXIF orientation applied,
 * transparency composited over white, grayscale / CMYK / 16-bit converted, the first frame of an animation.
 * The pixel limit is checked on the header, before any pixel is decoded. The caller owns the tensor.
 *
 * @example
 * const t = await decodeImageBytes(await readFile('face.jpg'));
 * t.shape; // [h, w, 3]
 * t.dispose();
 */
export async function decodeImageBytes(
  bytes: Uint8Array,
  options: DecodeOptions = {},
  name = 'the image',
): Promise<tf.Tensor3D> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  assertMaxPixels(maxPixels);
  if (bytes.byteLength === 0) throw new FaceKitError('E_DECODE', `${name} is empty (0 bytes)`);
  // Netpbm (.pgm / .ppm): sharp's prebuilt libvips has no loader for it; core's bounds-checked reader does.
  if (isNetpbm(bytes)) {
    const { width, height, rgb } = decodeNetpbm(bytes, { maxPixels, name });
    return tf.tensor3d(Int32Array.from(rgb), [height, width, 3], 'int32');
  }
  // sharp's own guard stays on as a second line (it needs an integer; false = off).
  const limit = Number.isFinite(maxPixels) ? Math.max(1, Math.floor(maxPixels)) : false;
  // failOn 'error': truncated or corrupt data fails; benign libjpeg warnings (extraneous bytes) do not.
  const image = sharp(bytes, { limitInputPixels: limit, failOn: 'error', pages: 1, page: 0 });
  let meta: sharp.Metadata;
  try {
    meta = await image.metadata();
  } catch (cause) {
    throw decodeError(cause, name);
  }
  if (!RASTER_FORMATS.has(meta.format ?? '')) {
    throw new FaceKitError('E_DECODE', `${name} is ${meta.format ?? 'an unknown format'}, not a raster photo format`);
  }
  const { width, height } = meta;
  if (!width || !height) throw new FaceKitError('E_DECODE', `${name} has no dimensions in its header`);
  const pageHeight = meta.pageHeight ?? height; // one frame of an animation
  if (width * pageHeight > maxPixels) {
    throw new FaceKitError(
      'E_IMAGE_TOO_LARGE',
      `${name} is ${width}×${pageHeight} = ${width * pageHeight} pixels, more than the limit of ${maxPixels}`,
      { details: { width, height: pageHeight, maxPixels } },
    );
  }
  let out: { data: Buffer; info: sharp.OutputInfo };
  try {
    out = await image
      .rotate() // EXIF orientation
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (cause) {
    throw decodeError(cause, name);
  }
  const { data, info } = out;
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw new FaceKitError('E_DECODE', `${name} decoded to ${info.channels} channels, expected 3`);
  }
  return tf.tensor3d(new Int32Array(data), [info.height, info.width, 3], 'int32');
}

/**
 * Turns any ImageInput into a tensor. `owned` says whether we decoded it (and must dispose it) or it is the
 * caller's tensor, which we only validate and never dispose.
 *
 * @example
 * const { tensor, owned } = await toImageTensor('face.jpg');
 * try { ... } finally { if (owned) tensor.dispose(); }
 */
export async function toImageTensor(
  input: ImageInput,
  options: DecodeOptions = {},
): Promise<{ tensor: tf.Tensor3D; owned: boolean }> {
  if (input instanceof tf.Tensor) {
    assertImageTensor(input);
    return { tensor: input, owned: false };
  }
  if (typeof input === 'string' || input instanceof URL) {
    const { bytes, name } = await readBytes(input);
    return { tensor: await decodeImageBytes(bytes, options, name), owned: true };
  }
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    return { tensor: await decodeImageBytes(asBytes(input), options), owned: true };
  }
  throw new FaceKitError(
    'E_INPUT',
    `expected an image path, Buffer, Uint8Array, ArrayBuffer or tensor [h, w, 3], got ${describeInput(input)}`,
  );
}

/**
 * Decodes the inputs, runs `fn` on the tensors and disposes what was decoded here, also when `fn` or a later
 * decode throws. Tensors the caller passed in are never disposed.
 *
 * @example
 * const shape = await withImages(['a.jpg', tensor], {}, async ([a, b]) => a.shape);
 */
export async function withImages<T>(
  inputs: readonly ImageInput[],
  options: DecodeOptions,
  fn: (tensors: tf.Tensor3D[]) => Promise<T>,
): Promise<T> {
  const decoded: Array<{ tensor: tf.Tensor3D; owned: boolean }> = [];
  try {
    // One at a time: a huge first image is refused before the second is read.
    for (const input of inputs) decoded.push(await toImageTensor(input, options));
    return await fn(decoded.map((d) => d.tensor));
  } finally {
    for (const d of decoded) if (d.owned) d.tensor.dispose();
  }
}
