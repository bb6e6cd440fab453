import { FaceKitError } from '@facekit/core';
import type { Dataset, File as H5File, Group } from 'h5wasm';

export type { Dataset, Group, H5File };

/** The 8-byte HDF5 format signature. */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Offset of the HDF5 superblock signature, or -1. HDF5 allows a user block before the superblock, so the
 * signature may sit at 0, 512, 1024, 2048, ... (powers of two ≥ 512).
 *
 * @example
 * hdf5SignatureOffset(bytes); // 0 for a plain .h5, 512 after a user block, -1 when not HDF5
 */
export function hdf5SignatureOffset(bytes: Uint8Array): number {
  for (let off = 0; off + 8 <= bytes.length; off = off === 0 ? 512 : off * 2) {
    if (SIGNATURE.every((b, i) => bytes[off + i] === b)) return off;
  }
  return -1;
}

/**
 * True when the bytes start (after an optional user block) like an HDF5 file.
 *
 * @example
 * if (!looksLikeHdf5(bytes)) throw new Error('not a Keras .h5 file');
 */
export function looksLikeHdf5(bytes: Uint8Array): boolean {
  return hdf5SignatureOffset(bytes) >= 0;
}

type H5Module = typeof import('h5wasm');

let h5Promise: Promise<H5Module> | undefined;

/** Loads h5wasm's browser/ESM build (in-memory file system) once, on first use: importing this package is cheap. */
async function h5wasm(): Promise<H5Module> {
  h5Promise ??= import('h5wasm').then(async (m) => {
    await m.ready;
    return m;
  });
  return h5Promise;
}

let fileCounter = 0;

/**
 * Runs h5wasm's File constructor and checks the result: for some failures (e.g. a truncated file, whose superblock
 * records a larger end of file) it returns a File with an invalid negative id instead of throwing.
 */
export function openH5<F extends H5File>(open: () => F, label: string): F {
  let file: F | undefined;
  let cause: unknown;
  try {
    file = open();
  } catch (e) {
    cause = e;
  }
  if (!file || !(file.file_id >= 0n)) {
    throw new FaceKitError('E_WEIGHTS_FORMAT', `${label}: HDF5 file could not be opened (truncated or corrupt?)`, {
      cause,
    });
  }
  return file;
}

/**
 * Opens HDF5 bytes read-only. The bytes are handed to h5wasm's in-memory file system without a copy
 * (`canOwn`), so do not modify them until `close()` is called; `close()` closes the file and frees the entry.
 */
export async function openHdf5Bytes(bytes: Uint8Array, label: string): Promise<{ file: H5File; close(): void }> {
  if (!looksLikeHdf5(bytes)) {
    throw new FaceKitError(
      'E_WEIGHTS_FORMAT',
      `${label} is not an HDF5 file (no HDF5 signature; ${bytes.byteLength} bytes). Expected a Keras save_weights .h5 file`,
    );
  }
  const m = await h5wasm();
  const fs = (await m.ready).FS;
  const name = `/facekit-keras-${++fileCounter}.h5`;
  // `canOwn` (Emscripten MEMFS) adopts the array instead of copying it; the typings omit the option.
  (fs as unknown as { writeFile(p: string, d: Uint8Array, o: { canOwn: boolean }): void }).writeFile(name, bytes, {
    canOwn: true,
  });
  let file: H5File;
  try {
    file = openH5(() => new m.File(name, 'r'), label);
  } catch (e) {
    fs.unlink(name);
    throw e;
  }
  return {
    file,
    close() {
      file.close();
      fs.unlink(name);
    },
  };
}
