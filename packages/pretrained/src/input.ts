import { FaceKitError } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Checks a batch of aligned faces before it reaches a network: rank 4, [n, height, width, 3] at the embedder's input
 * size, int32 or float32. n = 0 is allowed (the embedders answer with no vectors).
 */
export function assertFaceBatch(
  faces: unknown,
  size: [number, number],
  embedder: string,
): asserts faces is tf.Tensor4D {
  if (!(faces instanceof tf.Tensor)) throw new FaceKitError('E_INPUT', `${embedder}: expected a tensor of faces`);
  if (faces.isDisposed) throw new FaceKitError('E_INPUT', `${embedder}: the faces tensor has been disposed`);
  const [h, w] = size;
  if (faces.rank !== 4 || faces.shape[1] !== h || faces.shape[2] !== w || faces.shape[3] !== 3) {
    throw new FaceKitError(
      'E_INPUT',
      `${embedder}: expected aligned faces [n, ${h}, ${w}, 3], got shape [${faces.shape}]`,
      { details: { shape: faces.shape } },
    );
  }
  if (faces.dtype !== 'float32' && faces.dtype !== 'int32') {
    throw new FaceKitError('E_INPUT', `${embedder}: expected int32 or float32 faces, got ${faces.dtype}`);
  }
}

/** Reads an [n, d] tensor into n separate vectors (copies, so they outlive the tensor). */
export async function rowsOf(matrix: tf.Tensor2D): Promise<Float32Array[]> {
  const [n, d] = matrix.shape;
  const data = (await matrix.data()) as Float32Array;
  const rows: Float32Array[] = [];
  for (let i = 0; i < n; i++) rows.push(data.slice(i * d, (i + 1) * d));
  return rows;
}

/**
 * An embedder's `embed()`: checks the batch, runs `predict` and reads its [n, d] output into vectors.
 *
 * @example
 * embed(faces) { return embedRows(faces, [150, 150], this.name, (f) => this.predict(f)); }
 */
export async function embedRows(
  faces: tf.Tensor4D,
  size: [number, number],
  embedder: string,
  predict: (faces: tf.Tensor4D) => tf.Tensor2D,
): Promise<Float32Array[]> {
  assertFaceBatch(faces, size, embedder);
  if (faces.shape[0] === 0) return [];
  const out = predict(faces);
  try {
    return await rowsOf(out);
  } finally {
    out.dispose();
  }
}
