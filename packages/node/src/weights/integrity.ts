// Trust on first use for weights whose publisher gives no digest: the first verified download (pins checked,
// Keras structure checked) records the sha256 of the cached file beside it, in `sha256sum` format
// (`<file>.sha256`, so `sha256sum -c` reads it too), and every later load must hash to the same value.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { FaceKitError, WEIGHTS_ENV } from '@facekit/core';
import { removeQuietly, tempPathFor } from './temp-files.js';

/** Where the recorded sha256 of a cached weights file lives. */
export function recordPathOf(file: string): string {
  return `${file}.sha256`;
}

/**
 * The sha256 recorded for a cached weights file, or undefined when none was recorded (a file placed in the cache by
 * hand, or cached before facekit recorded digests).
 *
 * @example
 * const recorded = await recordedSha256('/home/me/.cache/facekit/facenet_weights.h5');
 */
export async function recordedSha256(file: string): Promise<string | undefined> {
  const text = await readFile(recordPathOf(file), 'utf8').catch(() => undefined);
  const hex = text?.trim().split(/\s+/)[0]?.toLowerCase();
  return hex && /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}

/**
 * Records the sha256 of a cached weights file (atomically: a temp file renamed into place).
 *
 * @example
 * await recordSha256('/home/me/.cache/facekit/facenet_weights.h5', sha256);
 */
export async function recordSha256(file: string, sha256: string): Promise<void> {
  const temp = tempPathFor(dirname(file), `${basename(file)}.sha256`);
  try {
    await writeFile(temp, `${sha256}  ${basename(file)}\n`);
    await rename(temp, recordPathOf(file));
  } finally {
    await removeQuietly(temp);
  }
}

/**
 * The sha256 of a file, streamed (the DeepFace file is 551 MB).
 *
 * @example
 * const hex = await sha256OfFile('/data/facenet_weights.h5');
 */
export function sha256OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', (cause) =>
        reject(new FaceKitError('E_IO', `cannot read ${file}: ${(cause as Error).message}`, { cause })),
      )
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * The sha256 of bytes already in memory.
 *
 * @example
 * const hex = sha256OfBytes(await readFile(path));
 */
export function sha256OfBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * E_WEIGHTS_INTEGRITY for a cached file that no longer hashes to its record: which file, both digests, and the way
 * out (download it again, or point at a file of your own).
 *
 * @example
 * throw integrityError('facenet', path, recorded, actual);
 */
export function integrityError(name: string, file: string, recorded: string, actual: string): FaceKitError {
  return new FaceKitError(
    'E_WEIGHTS_INTEGRITY',
    `cached weights '${name}' (${file}) changed since they were verified: sha256 ${actual}, recorded ${recorded} ` +
      `in ${recordPathOf(file)}. Download it again (NodeWeightsStore.pull('${name}', { force: true })), set ` +
      `${WEIGHTS_ENV.cacheDir} to another cache, or pass weightsPath for a file of your own`,
    { details: { model: name, path: file, sha256: actual, expectedSha256: recorded } },
  );
}

/**
 * Holds loaded bytes of a cached weights file to its record: a mismatch is E_WEIGHTS_INTEGRITY; a file without a
 * record gets one now (trust on first use).
 *
 * @example
 * await checkCachedBytes('openface', path, bytes); // throws when the file was swapped after it was verified
 */
export async function checkCachedBytes(name: string, file: string, bytes: Uint8Array): Promise<void> {
  const actual = sha256OfBytes(bytes);
  const recorded = await recordedSha256(file);
  // Best effort: a read-only cache still loads, it just stays unrecorded.
  if (recorded === undefined) await recordSha256(file, actual).catch(() => undefined);
  else if (recorded !== actual) throw integrityError(name, file, recorded, actual);
}
