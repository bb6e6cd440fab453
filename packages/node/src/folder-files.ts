import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { assertSafeRelativePath, FaceKitError, type FileLoader } from '@facekit/core';

function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

function codeOf(e: unknown): string | undefined {
  return (e as { code?: string })?.code;
}

/**
 * A FileLoader for one folder. Paths must be relative and stay inside it: `..`, absolute paths, URLs and symlinks
 * pointing elsewhere are refused (E_WEIGHTS_FORMAT), because manifests name their own shard files.
 *
 * @example
 * const files = folderFileLoader(bundledModelsDir());
 * const json = await files('blazeface-back.json');
 */
export function folderFileLoader(folder: string): FileLoader {
  const root = resolve(folder);
  return async (relativePath: string) => {
    assertSafeRelativePath(relativePath);
    const full = resolve(root, relativePath);
    if (!inside(root, full)) {
      throw new FaceKitError('E_WEIGHTS_FORMAT', `model file path '${relativePath}' escapes ${root}`);
    }
    try {
      const real = await realpath(full); // a missing file fails here, before the folder is resolved
      if (!inside(await realpath(root), real)) {
        throw new FaceKitError('E_WEIGHTS_FORMAT', `model file '${relativePath}' links outside ${root}`);
      }
      return new Uint8Array(await readFile(real));
    } catch (e) {
      if (e instanceof FaceKitError) throw e;
      if (codeOf(e) === 'ENOENT') {
        throw new FaceKitError('E_WEIGHTS_MISSING', `model file '${relativePath}' not found in ${root}`, { cause: e });
      }
      throw new FaceKitError('E_IO', `cannot read model file ${full}: ${(e as Error).message}`, { cause: e });
    }
  };
}

/** Reads a weights file the user named (`weightsPath`); any failure is E_IO with the path. */
export async function readWeightsFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new FaceKitError('E_IO', `cannot read weights file ${path}: ${(cause as Error).message}`, { cause });
  }
}
