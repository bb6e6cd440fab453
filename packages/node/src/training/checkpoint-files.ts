import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { FaceKitError } from '@facekit/core';
import type { TrainingCheckpoint, TrainingCheckpointSnapshot } from '@facekit/core/training';

/** The two files of a checkpoint folder: the JSON part and the raw float32 data. */
export const CHECKPOINT_JSON = 'checkpoint.json';
export const CHECKPOINT_BIN = 'checkpoint.bin';

/**
 * Writes a trainer's checkpoint snapshot to `dir` (`checkpoint.json` + `checkpoint.bin`), streaming the data tensor
 * by tensor. Both files go to temporary names first and are renamed, the JSON last, so a crash mid-write leaves
 * the previous checkpoint readable.
 *
 * @example
 * await trainTriplet({ ..., checkpoint: { write: (s) => writeCheckpointFiles('ckpt', s) } });
 */
export async function writeCheckpointFiles(dir: string, snapshot: TrainingCheckpointSnapshot): Promise<void> {
  await mkdir(dir, { recursive: true });
  const bin = join(dir, CHECKPOINT_BIN);
  const json = join(dir, CHECKPOINT_JSON);
  const file = await open(`${bin}.tmp`, 'w');
  try {
    for await (const chunk of snapshot.chunks()) await file.write(chunk);
  } finally {
    await file.close();
  }
  const { chunks: _, ...meta } = snapshot;
  await writeFile(`${json}.tmp`, JSON.stringify(meta));
  await rename(`${bin}.tmp`, bin);
  await rename(`${json}.tmp`, json);
}

/**
 * Reads a checkpoint folder written by {@link writeCheckpointFiles} (what the trainers' `resume` takes).
 *
 * @example
 * const resume = await readCheckpointFiles('runs/openface');
 */
export async function readCheckpointFiles<C = unknown, S = unknown>(dir: string): Promise<TrainingCheckpoint<C, S>> {
  try {
    const meta = JSON.parse(await readFile(join(dir, CHECKPOINT_JSON), 'utf8'));
    const bytes = await readFile(join(dir, CHECKPOINT_BIN));
    return { ...meta, data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) };
  } catch (cause) {
    if (cause instanceof SyntaxError) {
      throw new FaceKitError('E_WEIGHTS_FORMAT', `${join(dir, CHECKPOINT_JSON)} is not valid JSON`, { cause });
    }
    throw new FaceKitError('E_IO', `cannot read checkpoint in ${dir}: ${(cause as Error).message}`, { cause });
  }
}
