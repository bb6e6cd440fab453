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

/**
 * What the browser API accepts as an image: anything drawable (`<img>`, `<canvas>`, `<video>`, OffscreenCanvas,
 * ImageBitmap, VideoFrame), ImageData, encoded bytes (Blob / File / Uint8Array / ArrayBuffer), a URL to fetch, or
 * an already decoded RGB tensor [height, width, 3].
 *
 * @example
 * const inputs: ImageInput[] = [document.querySelector('img')!, fileInput.files![0], '/photos/a.jpg'];
 */
export type ImageInput =
  | HTMLImageElement
  | HTMLCanvasElement
  | HTMLVideoElement
  | OffscreenCanvas
  | ImageBitmap
  | VideoFrame
  | ImageData
  | Blob
  | Uint8Array
  | ArrayBuffer
  | string
  | URL
  | tf.Tensor3D;

/**
 * Limits of decoding an image: the largest size accepted and an abort signal.
 *
 * @example
 * const t = await decodeImageBytes(await file.arrayBuffer(), { maxPixels: 20_000_000, signal: controller.signal });
 */
export interface DecodeOptions {
  /** Largest image accepted, in pixels (width × height); default 50 MP. */
  maxPixels?: number;
  signal?: AbortSignal;
}

/** `instanceof` guarded by existence: workers and old browsers lack some of these classes. */
function is<T>(input: unknown, name: string): input is T {
  const ctor = (globalThis as Record<string, unknown>)[name];
  return typeof ctor === 'function' && input instanceof (ctor as new () => unknown);
}

function checkSize(width: number, height: number, maxPixels: number, name: string): void {
  if (!width || !height) throw new FaceKitError('E_INPUT', `${name} is empty (${width}×${height})`);
  if (width * height > maxPixels) {
    throw new FaceKitError(
      'E_IMAGE_TOO_LARGE',
      `${name} is ${width}×${height} = ${width * height} pixels, more than the limit of ${maxPixels}`,
      { details: { width, height, maxPixels } },
    );
  }
}

/**
 * RGBA pixels → int32 [h, w, 3]. Alpha is dropped: sources were drawn over white, like `@facekit/node`'s
 * decoder flattens transparency, so both platforms see the same pixels.
 */
function rgbTensor(rgba: Uint8ClampedArray, width: number, height: number): tf.Tensor3D {
  const rgb = new Int32Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return tf.tensor3d(rgb, [height, width, 3], 'int32');
}

type Drawable = CanvasImageSource & object;

/** Reads a drawable's pixels through a 2D canvas, over white. A cross-origin source without CORS is E_INPUT. */
function pixelsOf(source: Drawable, width: number, height: number, name: string): tf.Tensor3D {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new FaceKitError('E_BACKEND', 'this browser has no 2D OffscreenCanvas');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(source, 0, 0, width, height);
  let data: ImageData;
  try {
    data = ctx.getImageData(0, 0, width, height);
  } catch (cause) {
    throw new FaceKitError(
      'E_INPUT',
      `cannot read the pixels of ${name}: a cross-origin image needs CORS (crossorigin="anonymous")`,
      { cause },
    );
  }
  return rgbTensor(data.data, width, height);
}

/** Width and height of a drawable, or an error saying why it has none yet (an image still loading, a paused video). */
function sizeOf(input: Drawable, name: string): [number, number] {
  if (is<HTMLImageElement>(input, 'HTMLImageElement')) {
    if (!input.complete) throw new FaceKitError('E_INPUT', `${name} has not finished loading (await img.decode())`);
    if (input.naturalWidth === 0) throw new FaceKitError('E_DECODE', `${name} failed to load or decode`);
    return [input.naturalWidth, input.naturalHeight];
  }
  if (is<HTMLVideoElement>(input, 'HTMLVideoElement')) {
    if (input.readyState < 2) throw new FaceKitError('E_INPUT', `${name} has no frame yet (readyState < 2)`);
    return [input.videoWidth, input.videoHeight];
  }
  if (is<VideoFrame>(input, 'VideoFrame')) return [input.displayWidth, input.displayHeight];
  const c = input as { width: number; height: number };
  return [c.width, c.height];
}

/**
 * Decodes encoded image bytes (JPEG, PNG, WebP, GIF, AVIF, BMP, whatever the browser reads; Netpbm PGM/PPM by
 * facekit's own reader) to an int32 tensor [h, w, 3]: EXIF orientation applied, sRGB, transparency over white. The
 * caller owns the tensor.
 *
 * @example
 * const t = await decodeImageBytes(await file.arrayBuffer());
 */
export async function decodeImageBytes(
  bytes: Blob | Uint8Array | ArrayBuffer,
  options: DecodeOptions = {},
  name = 'the image',
): Promise<tf.Tensor3D> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  assertMaxPixels(maxPixels);
  const blob = bytes instanceof Blob ? bytes : new Blob([bytes as Uint8Array<ArrayBuffer>]);
  if (blob.size === 0) throw new FaceKitError('E_DECODE', `${name} is empty (0 bytes)`);
  // Netpbm (.pgm / .ppm): no browser decodes it; core's bounds-checked reader does.
  const head = new Uint8Array(await blob.slice(0, 3).arrayBuffer());
  if (isNetpbm(head)) {
    const { width, height, rgb } = decodeNetpbm(new Uint8Array(await blob.arrayBuffer()), { maxPixels, name });
    return tf.tensor3d(Int32Array.from(rgb), [height, width, 3], 'int32');
  }
  let bitmap: ImageBitmap;
  try {
    // No premultiplication and the browser's default sRGB conversion: the same pixels sharp gives in Node.
    bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', imageOrientation: 'from-image' });
  } catch (cause) {
    throw new FaceKitError('E_DECODE', `${name} is not a decodable image: ${(cause as Error).message}`, { cause });
  }
  try {
    // The browser has decoded already; the limit still keeps us from allocating canvas and tensor for a bomb.
    checkSize(bitmap.width, bitmap.height, maxPixels, name);
    return pixelsOf(bitmap, bitmap.width, bitmap.height, name);
  } finally {
    bitmap.close();
  }
}

async function fetchBytes(url: string | URL, signal?: AbortSignal): Promise<Blob> {
  const href = String(url);
  if (href === '') throw new FaceKitError('E_INPUT', 'the image URL is empty');
  let res: Response;
  try {
    res = await fetch(href, { signal });
  } catch (cause) {
    if (signal?.aborted) throw new FaceKitError('E_ABORTED', 'operation aborted', { cause: signal.reason });
    throw new FaceKitError('E_IO', `cannot fetch ${href}: ${(cause as Error).message}`, { cause });
  }
  if (!res.ok) throw new FaceKitError('E_IO', `cannot fetch ${href}: HTTP ${res.status}`);
  return res.blob();
}

/**
 * Turns any ImageInput into a tensor. `owned` says whether we made it (and must dispose it) or it is the caller's
 * tensor, which we only validate and never dispose.
 *
 * @example
 * const { tensor, owned } = await toImageTensor(document.querySelector('img')!);
 * try { ... } finally { if (owned) tensor.dispose(); }
 */
export async function toImageTensor(
  input: ImageInput,
  options: DecodeOptions = {},
): Promise<{ tensor: tf.Tensor3D; owned: boolean }> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  assertMaxPixels(maxPixels);
  if (input instanceof tf.Tensor) {
    assertImageTensor(input);
    return { tensor: input, owned: false };
  }
  if (typeof input === 'string' || input instanceof URL) {
    const blob = await fetchBytes(input, options.signal);
    return { tensor: await decodeImageBytes(blob, options, String(input)), owned: true };
  }
  if (input instanceof Blob || input instanceof Uint8Array || input instanceof ArrayBuffer) {
    const name = is<File>(input, 'File') ? input.name : 'the image';
    return { tensor: await decodeImageBytes(input, options, name), owned: true };
  }
  if (is<ImageData>(input, 'ImageData')) {
    checkSize(input.width, input.height, maxPixels, 'the ImageData');
    return { tensor: rgbTensor(input.data, input.width, input.height), owned: true };
  }
  const drawable = ['HTMLImageElement', 'HTMLCanvasElement', 'HTMLVideoElement', 'OffscreenCanvas', 'ImageBitmap'];
  if (drawable.some((name) => is(input, name)) || is(input, 'VideoFrame')) {
    const name = `the ${describeInput(input)}`;
    const [width, height] = sizeOf(input as Drawable, name);
    checkSize(width, height, maxPixels, name);
    return { tensor: pixelsOf(input as Drawable, width, height, name), owned: true };
  }
  throw new FaceKitError(
    'E_INPUT',
    `expected an image element, canvas, video, ImageBitmap, VideoFrame, ImageData, Blob, bytes, URL or tensor ` +
      `[h, w, 3], got ${describeInput(input)}`,
  );
}

/**
 * Converts the inputs, runs `fn` on the tensors and disposes what was made here, also when `fn` or a later
 * conversion throws. Tensors the caller passed in are never disposed.
 */
export async function withImages<T>(
  inputs: readonly ImageInput[],
  options: DecodeOptions,
  fn: (tensors: tf.Tensor3D[]) => Promise<T>,
): Promise<T> {
  const decoded: Array<{ tensor: tf.Tensor3D; owned: boolean }> = [];
  try {
    for (const input of inputs) decoded.push(await toImageTensor(input, options));
    return await fn(decoded.map((d) => d.tensor));
  } finally {
    for (const d of decoded) if (d.owned) d.tensor.dispose();
  }
}
