import * as tf from '@tensorflow/tfjs-core';
import { FaceKitError } from '../errors.js';

/**
 * A training checkpoint, shared by the trainers (DeepFace's classifier, FaceNet's triplet training): everything but
 * `data` is JSON; `data` is raw little-endian float32 in `specs` order (model weights, then optimiser slots). A
 * reader hands it back to `resume` with `data` as one buffer (e.g. the `.bin` a writer stored) or as chunks.
 *
 * @example
 * const ckpt: TrainingCheckpoint = { ...JSON.parse(await readFile('ckpt.json', 'utf8')), data: await readFile('ckpt.bin') };
 */
export interface TrainingCheckpoint<Config = unknown, State = unknown> {
  /** Which trainer wrote it, e.g. `facekit-deepface-checkpoint@1`. */
  format: string;
  config: Config;
  state: State;
  specs: tf.io.WeightsManifestEntry[];
  /** One chunk per spec (what the trainers produce, no big concatenation) or everything in one buffer. */
  data: Uint8Array[] | ArrayBuffer;
}

/**
 * What a trainer hands a {@link TrainingCheckpointWriter}: the JSON part and the data as a stream of per-tensor
 * chunks, read from the backend one tensor at a time. The tensors stay valid until the writer's promise settles.
 *
 * @example
 * const write = async (s: TrainingCheckpointSnapshot) => {
 *   for await (const chunk of s.chunks()) out.write(chunk);
 * };
 */
export interface TrainingCheckpointSnapshot<Config = unknown, State = unknown>
  extends Omit<TrainingCheckpoint<Config, State>, 'data'> {
  /** The float32 bytes of each spec, in `specs` order. */
  chunks(): AsyncGenerator<Uint8Array>;
}

/**
 * A platform-supplied sink for checkpoints (trainers never touch a file system), e.g. @facekit/node's
 * `writeCheckpointFiles`: the JSON fields to `<dir>/checkpoint.json`, the chunks to `<dir>/checkpoint.bin`.
 *
 * @example
 * const writer: TrainingCheckpointWriter = async (snapshot) => save(await collectCheckpoint(snapshot));
 */
export type TrainingCheckpointWriter<Config = unknown, State = unknown> = (
  snapshot: TrainingCheckpointSnapshot<Config, State>,
) => Promise<void>;

/**
 * A snapshot of named tensors that reads them only when its chunks are pulled.
 *
 * @example
 * const snap = snapshotTensors('my-format@1', config, { step }, [['dense/kernel', kernel]]);
 * const ckpt = await collectCheckpoint(snap); // JSON fields + the float32 data
 */
export function snapshotTensors<Config, State>(
  format: string,
  config: Config,
  state: State,
  tensors: Array<[string, tf.Tensor]>,
): TrainingCheckpointSnapshot<Config, State> {
  return {
    format,
    config: structuredClone(config),
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
 * Gathers a snapshot's chunks into an in-memory checkpoint (what `resume` takes).
 *
 * @example
 * let last; await trainTriplet({ ..., checkpoint: { write: async (s) => { last = await collectCheckpoint(s); } } });
 */
export async function collectCheckpoint<Config, State>(
  snapshot: TrainingCheckpointSnapshot<Config, State>,
): Promise<TrainingCheckpoint<Config, State>> {
  const data: Uint8Array[] = [];
  for await (const c of snapshot.chunks()) data.push(c);
  const { chunks: _, ...rest } = snapshot;
  return { ...rest, data };
}

/**
 * Decodes a checkpoint's tensors by name, checking its format and sizes; the caller owns them.
 * `what` names the expected kind in the error (e.g. 'DeepFace').
 *
 * @example
 * const tensors = decodeCheckpointTensors(ckpt, 'my-format@1', 'my model'); // Map<name, tf.Tensor>
 */
export function decodeCheckpointTensors(
  ckpt: TrainingCheckpoint,
  format: string,
  what = 'facekit',
): Map<string, tf.Tensor> {
  if (ckpt?.format !== format) {
    throw new FaceKitError('E_WEIGHTS_FORMAT', `not a ${what} checkpoint (format '${String(ckpt?.format)}')`);
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
