// Test helpers for the pretrained embedders: LFW face crops without a detector, pair distances, reference runs.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { lfwImage, readImageTensor } from '../../../test/utils.js';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * A square crop of an LFW deep-funnelled image (250×250, face roughly centred), resized to `out`: `frac` of the
 * image side, centred horizontally, its centre `dy` pixels below the image centre. A stand-in for detection +
 * alignment in tests that must not depend on @facekit/detect.
 */
export async function lfwCrop(name: string, index: number, out: number, frac: number, dy = 0): Promise<tf.Tensor3D> {
  const img = await readImageTensor(lfwImage(name, index));
  try {
    return tf.tidy(() => {
      const [h, w] = img.shape;
      const side = frac * Math.min(h, w);
      const cy = h / 2 + dy;
      const cx = w / 2;
      const box = [[(cy - side / 2) / h, (cx - side / 2) / w, (cy + side / 2) / h, (cx + side / 2) / w]];
      const batch = tf.expandDims(tf.cast(img, 'float32'), 0) as tf.Tensor4D;
      return tf.squeeze(tf.image.cropAndResize(batch, box, [0], [out, out]), [0]) as tf.Tensor3D;
    });
  } finally {
    img.dispose();
  }
}

/**
 * face-api.js's uint8-quantised conversion of dlib's ResNet, from its own package (a devDependency), with the
 * manifest's weight specs (the caller disposes the tensors).
 */
export async function faceApiDlibWeights(): Promise<{
  weights: tf.NamedTensorMap;
  specs: tf.io.WeightsManifestEntry[];
}> {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'model');
  const [manifest] = JSON.parse(await readFile(join(dir, 'face_recognition_model-weights_manifest.json'), 'utf8'));
  const bin = await readFile(join(dir, manifest.paths[0]));
  const buffer = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return { weights: tf.io.decodeWeights(buffer, manifest.weights), specs: manifest.weights };
}

/** Descriptors from face-api.js itself for a [n, 150, 150, 3] batch (runs test/faceapi-reference.mjs). */
export async function faceApiDescriptors(faces: tf.Tensor4D): Promise<number[][]> {
  const dir = await mkdtemp(join(tmpdir(), 'facekit-faceapi-'));
  try {
    const file = join(dir, 'faces.f32');
    const data = (await faces.data()) as Float32Array;
    await writeFile(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(here, 'faceapi-reference.mjs'), file, String(faces.shape[0])],
      { maxBuffer: 1 << 26 },
    );
    return JSON.parse(stdout) as number[][];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
