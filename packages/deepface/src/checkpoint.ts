import * as tf from '@tensorflow/tfjs-core';
import { FaceKitError } from '@facekit/core';
import { type DeepFaceConfig, resolveConfig, type WeightedLayerName } from './architecture.js';
import { DeepFaceModel, type DeepFaceWeights } from './model.js';

export const CHECKPOINT_FORMAT = 'facekit-deepface-checkpoint@1';

/** Training state stored with a checkpoint (JSON-serialisable). */
export interface CheckpointState {
  /** Optimiser steps done. */
  step: number;
  /** Total steps of the run (epochs × steps per epoch). */
  totalSteps: number;
  epochs: number;
  batchSize: number;
  seed: number;
  /** Per-epoch mean training loss and accuracy so far. */
  history: Array<{ epoch: number; loss: number; accuracy: number }>;
}

/**
 * A training checkpoint: everything but `data` is JSON; `data` is raw little-endian float32, in `specs` order
 * (model weights `C1/kernel` … `F8/bias`, then the momentum slots `C1/kernel/momentum` …). A reader hands it back
 * to `resume` with `data` as one buffer (e.g. the `.bin` a {@link CheckpointWriter} wrote) or as chunks.
 */
export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  config: DeepFaceConfig;
  state: CheckpointState;
  specs: tf.io.WeightsManifestEntry[];
  /** One chunk per spec (what the trainer produces, no big concatenation) or everything in one buffer. */
  data: Uint8Array[] | ArrayBuffer;
}

/**
 * What the trainer hands a {@link CheckpointWriter}: the checkpoint's JSON part and its data as a stream of
 * per-tensor chunks, downloaded from the backend one tensor at a time (the full network's checkpoint is 1.1 GB:
 * weights and momentum). The tensors stay valid until the writer's promise settles.
 */
export interface CheckpointSnapshot extends Omit<Checkpoint, 'data'> {
  /** The float32 bytes of each spec, in `specs` order. */
  chunks(): AsyncGenerator<Uint8Array>;
}

/**
 * A platform-supplied sink for checkpoints (the package itself never touches a file system), e.g. in Node:
 * write `JSON.stringify({ ...snapshot, chunks: undefined })` to `ckpt.json`, then each chunk to `ckpt.bin`.
 */
export type CheckpointWriter = (snapshot: CheckpointSnapshot) => Promise<void>;

/** A snapshot of tensors (`[name, tensor]`, Keras-style names) that reads them only when its chunks are pulled. */
export function snapshotCheckpoint(
  config: DeepFaceConfig,
  state: CheckpointState,
  tensors: Array<[string, tf.Tensor]>,
): CheckpointSnapshot {
  return {
    format: CHECKPOINT_FORMAT,
    config: { ...config },
    state: structuredClone(state),
    specs: tensors.map(([name, t]) => ({ name, shape: [...t.shape], dtype: 'float32' as const })),
    async *chunks() {
      for (const [, t] of tensors) {
        const v = (await t.data()) as Float32Array;
        yield new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      }
    },
  };
}

/**
 * Gathers a snapshot's chunks into an in-memory {@link Checkpoint} (what `resume` takes).
 *
 * @example
 * let last: Checkpoint | undefined;
 * await trainClassifier({ data, checkpoint: { write: async (s) => { last = await collectCheckpoint(s); } } });
 */
export async function collectCheckpoint(snapshot: CheckpointSnapshot): Promise<Checkpoint> {
  const data: Uint8Array[] = [];
  for await (const c of snapshot.chunks()) data.push(c);
  const { chunks: _, ...rest } = snapshot;
  return { ...rest, data };
}

/**
 * Decodes a checkpoint's tensors by name (`L4/kernel`, `L4/kernel/momentum`), checking sizes; the caller owns them.
 */
export function decodeCheckpointTensors(ckpt: Checkpoint): Map<string, tf.Tensor> {
  if (ckpt?.format !== CHECKPOINT_FORMAT) {
    throw new FaceKitError('E_WEIGHTS_FORMAT', `not a DeepFace checkpoint (format '${String(ckpt?.format)}')`);
  }
  const out = new Map<string, tf.Tensor>();
  const chunks = Array.isArray(ckpt.data) ? ckpt.data : null;
  const whole = chunks ? null : new Uint8Array(ckpt.data as ArrayBuffer);
  if (chunks && chunks.length !== ckpt.specs.length) {
    throw new FaceKitError(
      'E_WEIGHTS_FORMAT',
      `checkpoint has ${chunks.length} data chunks for ${ckpt.specs.length} specs`,
    );
  }
  let offset = 0;
  try {
    ckpt.specs.forEach((spec, i) => {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      let bytes: Uint8Array;
      if (chunks) bytes = chunks[i];
      else {
        bytes = whole!.subarray(offset, offset + 4 * n);
        offset += 4 * n;
      }
      if (spec.dtype !== 'float32' || bytes.byteLength !== 4 * n) {
        throw new FaceKitError('E_WEIGHTS_FORMAT', `checkpoint tensor ${spec.name}: expected ${4 * n} float32 bytes`);
      }
      // Copy only when the chunk is not aligned for a Float32Array view.
      const f32 =
        bytes.byteOffset % 4 === 0
          ? new Float32Array(bytes.buffer, bytes.byteOffset, n)
          : new Float32Array(bytes.slice().buffer);
      out.set(spec.name, tf.tensor(f32, spec.shape, 'float32'));
    });
    if (whole && offset !== whole.byteLength) {
      throw new FaceKitError('E_WEIGHTS_FORMAT', `checkpoint data has ${whole.byteLength - offset} trailing bytes`);
    }
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  }
  return out;
}

/**
 * The model stored in a checkpoint (for embedding or evaluation); the caller disposes it.
 *
 * @example
 * const net = modelFromCheckpoint(ckpt); const f7 = net.predict(batch01);
 */
export function modelFromCheckpoint(ckpt: Checkpoint): DeepFaceModel {
  const tensors = decodeCheckpointTensors(ckpt);
  const weights: DeepFaceWeights = {};
  for (const name of ['C1', 'C3', 'L4', 'L5', 'L6', 'F7', 'F8'] as WeightedLayerName[]) {
    const kernel = tensors.get(`${name}/kernel`);
    const bias = tensors.get(`${name}/bias`);
    if (kernel && bias) weights[name] = { kernel, bias };
  }
  for (const [name, t] of tensors) if (name.endsWith('/momentum')) t.dispose();
  try {
    return new DeepFaceModel(resolveConfig(ckpt.config), weights);
  } catch (e) {
    for (const w of Object.values(weights)) tf.dispose([w.kernel, w.bias]);
    throw e;
  }
}
