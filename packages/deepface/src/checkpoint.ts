import * as tf from '@tensorflow/tfjs-core';
import {
  collectCheckpoint,
  decodeCheckpointTensors as decodeTensors,
  snapshotTensors,
  type TrainingCheckpoint,
  type TrainingCheckpointSnapshot,
  type TrainingCheckpointWriter,
} from '@facekit/core/training';
import { type DeepFaceConfig, resolveConfig, type WeightedLayerName } from './architecture.js';
import { DeepFaceModel, type DeepFaceWeights } from './model.js';

/**
 * The `format` field of DeepFace training checkpoints.
 *
 * @example
 * if (ckpt.format !== CHECKPOINT_FORMAT) throw new Error('not a DeepFace checkpoint');
 */
export const CHECKPOINT_FORMAT = 'facekit-deepface-checkpoint@1';

/**
 * Training state stored with a checkpoint (JSON-serialisable).
 *
 * @example
 * const { step, totalSteps }: CheckpointState = ckpt.state;
 */
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
 * A DeepFace training checkpoint (core's generic format; data: weights `C1/kernel` … then `…/momentum` slots).
 *
 * @example
 * const model = modelFromCheckpoint(ckpt as Checkpoint);
 */
export type Checkpoint = TrainingCheckpoint<DeepFaceConfig, CheckpointState>;
/**
 * What the trainer hands a {@link CheckpointWriter}; see core's TrainingCheckpointSnapshot.
 *
 * @example
 * checkpoint: { every: 500, write: async (s: CheckpointSnapshot) => writeCheckpointFiles('ckpt', s) }
 */
export type CheckpointSnapshot = TrainingCheckpointSnapshot<DeepFaceConfig, CheckpointState>;
/**
 * A platform-supplied sink for checkpoints (e.g. @facekit/node's `writeCheckpointFiles`).
 *
 * @example
 * const write: CheckpointWriter = async (snapshot) => save(await collectCheckpoint(snapshot));
 */
export type CheckpointWriter = TrainingCheckpointWriter<DeepFaceConfig, CheckpointState>;
export { collectCheckpoint };

/**
 * A snapshot of tensors (`[name, tensor]`, Keras-style names) that reads them only when its chunks are pulled.
 *
 * @example
 * const snap = snapshotCheckpoint(config, state, [['C1/kernel', kernel]]);
 * for await (const chunk of snap.chunks()) stream.write(chunk);
 */
export function snapshotCheckpoint(
  config: DeepFaceConfig,
  state: CheckpointState,
  tensors: Array<[string, tf.Tensor]>,
): CheckpointSnapshot {
  return snapshotTensors(CHECKPOINT_FORMAT, { ...config }, state, tensors);
}

/**
 * Decodes a checkpoint's tensors by name (`L4/kernel`, `L4/kernel/momentum`), checking sizes; the caller owns them.
 *
 * @example
 * const tensors = decodeCheckpointTensors(ckpt); // Map: 'L4/kernel', 'L4/kernel/momentum', ...
 * tf.dispose([...tensors.values()]);
 */
export function decodeCheckpointTensors(ckpt: Checkpoint): Map<string, tf.Tensor> {
  return decodeTensors(ckpt, CHECKPOINT_FORMAT, 'DeepFace');
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
