// Node-only entry (`@facekit/keras/node`): opens .h5 files by path with h5wasm's Node build, which reads from disk on
// demand instead of loading the whole file into memory (the DeepFace file is 551 MB).
// h5wasm is ESM-only (its exports have an `import` condition and no `require`), so it is loaded with a dynamic
// import() on first use: the CJS build keeps that a real import(), and `require('@facekit/node')` loads.
import { closeSync, openSync, readSync } from 'node:fs';
import { FaceKitError } from '@facekit/core';
import { looksLikeHdf5, openH5 } from './hdf5.js';
import { KerasWeightsFile } from './keras-h5.js';

let h5NodePromise: Promise<typeof import('h5wasm/node')> | undefined;

/** h5wasm's Node build, imported and initialised once, on first use. */
function h5wasmNode(): Promise<typeof import('h5wasm/node')> {
  h5NodePromise ??= import('h5wasm/node').then(async (m) => {
    await m.ready;
    return m;
  });
  return h5NodePromise;
}

/** Reads the first bytes of a file (enough to find an HDF5 signature behind a user block of up to 32 KiB). */
function head(path: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw new FaceKitError('E_IO', `cannot open weights file ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    const buf = new Uint8Array(32776);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens a Keras `save_weights` .h5 file by path without reading it into memory; weights are read from disk when a
 * layer is read. Close it when done.
 *
 * @example
 * import { openKerasWeightsFile } from '@facekit/keras/node';
 * const kf = await openKerasWeightsFile('/data/deepface_weights.h5');
 * try { for (const l of kf.layers()) use(l); } finally { kf.close(); }
 */
export async function openKerasWeightsFile(path: string): Promise<KerasWeightsFile> {
  const bytes = head(path);
  if (!looksLikeHdf5(bytes)) {
    throw new FaceKitError('E_WEIGHTS_FORMAT', `${path} is not an HDF5 file (no HDF5 signature)`);
  }
  const h5 = await h5wasmNode();
  const file = openH5(() => new h5.File(path, 'r'), path);
  try {
    return new KerasWeightsFile(file, () => file.close(), path);
  } catch (e) {
    file.close();
    throw e;
  }
}
