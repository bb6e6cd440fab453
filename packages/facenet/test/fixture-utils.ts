// Helpers for the Keras reference fixtures (../shared/fixtures/keras/<name>/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fixtureDir } from '../../../test/keras-fixtures.js';

export { fixtureDir, readFixtureWeights } from '../../../test/keras-fixtures.js';

/**
 * A fixture tensor: `<file>.bin` (float32 LE, C order) with the shape from `<file>.json`; `images` keeps only the
 * first images (batch axis).
 */
export function readFixtureTensor(name: string, file: string, images?: number): tf.Tensor {
  const meta = JSON.parse(readFileSync(join(fixtureDir(name), `${file}.json`), 'utf8')) as { shape: number[] };
  const buf = readFileSync(join(fixtureDir(name), `${file}.bin`));
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const shape = [...meta.shape];
  if (images !== undefined) shape[0] = Math.min(images, shape[0]);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(data.subarray(0, size), shape, 'float32');
}

export interface Agreement {
  /** max |y − ref| / max |ref| */
  maxErr: number;
  /** Smallest per-image cosine similarity. */
  minCosine: number;
}

/** Compares y with ref per image (first axis): the fixtures' tolerance measure. */
export function agreement(y: tf.Tensor, ref: tf.Tensor): Agreement {
  if (y.shape.join() !== ref.shape.join()) throw new Error(`shape [${y.shape}] vs reference [${ref.shape}]`);
  const a = y.dataSync();
  const b = ref.dataSync();
  const n = y.shape[0];
  const per = a.length / n;
  let maxDiff = 0;
  let maxRef = 0;
  let minCosine = 1;
  for (let i = 0; i < n; i++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = i * per; k < (i + 1) * per; k++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[k] - b[k]));
      maxRef = Math.max(maxRef, Math.abs(b[k]));
      dot += a[k] * b[k];
      na += a[k] * a[k];
      nb += b[k] * b[k];
    }
    minCosine = Math.min(minCosine, dot / Math.sqrt(na * nb));
  }
  return { maxErr: maxDiff / maxRef, minCosine };
}

export const withinTolerance = (a: Agreement) => a.maxErr <= 1e-4 && a.minCosine >= 0.99999;
