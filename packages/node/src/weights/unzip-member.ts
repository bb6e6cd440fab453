import { createReadStream } from 'node:fs';
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { FaceKitError } from '@facekit/core';
import { Unzip, UnzipInflate, type UnzipFile } from 'fflate';
import { removeQuietly } from './temp-files.js';

/**
 * Extracts the member named `member` (in any folder of the archive) from the zip at `zipPath` into `dest`,
 * streaming: the DeepFace archive is ~0.5 GB, so neither the archive nor the member is held in memory.
 * E_WEIGHTS_FORMAT when the archive is not a zip, is corrupt, or lacks the member; `dest` is then removed.
 */
export async function extractZipMember(zipPath: string, member: string, dest: string): Promise<void> {
  const fd = openSync(dest, 'w');
  let found = false;
  let finished = false;
  let failure: unknown;
  const unzip = new Unzip((file: UnzipFile) => {
    if (found || basename(file.name) !== member) return;
    found = true;
    file.ondata = (err, data, final) => {
      if (err) failure ??= err;
      else {
        // fflate calls back synchronously inside push(), so the write is synchronous too.
        writeSync(fd, data);
        if (final) finished = true;
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  try {
    for await (const chunk of createReadStream(zipPath)) {
      unzip.push(chunk as Uint8Array);
      if (failure) break;
    }
    if (!failure) unzip.push(new Uint8Array(0), true);
  } catch (e) {
    failure ??= e;
  } finally {
    closeSync(fd);
  }
  if (failure || !found || !finished) {
    await removeQuietly(dest);
    const why = failure ? `is not a readable zip (${(failure as Error).message ?? failure})` : `has no ${member}`;
    throw new FaceKitError('E_WEIGHTS_FORMAT', `downloaded archive ${why}`, { cause: failure });
  }
}
