import { readFile, realpath } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { assertSafeRelativePath, FaceKitError, type FileLoader, type ModelContext } from '@facekit/core';

/**
 * The folder of the bundled model files: `models/` inside the installed `@facekit/models` package.
 *
 * @example
 * bundledModelsDir(); // '/app/node_modules/@facekit/models/models'
 */
export function bundledModelsDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('@facekit/models/package.json');
  } catch (cause) {
    throw new FaceKitError('E_WEIGHTS_MISSING', 'the @facekit/models package is not installed', { cause });
  }
  return join(dirname(pkg), 'models');
}

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

/** Where downloaded weights live: FACEKIT_HOME/weights, by default ~/.facekit/weights. */
export function weightsCacheDir(): string {
  return join(process.env.FACEKIT_HOME || join(homedir(), '.facekit'), 'weights');
}

/** Reads a weights file the user named (`weightsPath`); any failure is E_IO with the path. */
async function readWeightsFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new FaceKitError('E_IO', `cannot read weights file ${path}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Resolves weights that are not bundled (the Keras h5 files of FaceNet / DeepFace): an explicit path wins,
 * else `<name>.h5` or `<name>` in the weights cache folder. Nothing is downloaded here.
 */
export function weightsResolver(cacheDir = weightsCacheDir()): NonNullable<ModelContext['weights']> {
  const cached = folderFileLoader(cacheDir);
  return async (name, options) => {
    if (options?.path) return readWeightsFile(options.path);
    assertSafeRelativePath(name);
    for (const file of [`${name}.h5`, name]) {
      try {
        return await cached(file);
      } catch (e) {
        if (!(e instanceof FaceKitError && e.code === 'E_WEIGHTS_MISSING')) throw e;
      }
    }
    throw new FaceKitError(
      'E_WEIGHTS_MISSING',
      `weights '${name}' are not bundled and not in ${cacheDir}; pass weightsPath / --weights PATH`,
      { details: { model: name } },
    );
  };
}

/**
 * The ModelContext of `@facekit/node`: bundled model files from `@facekit/models`, other weights from an explicit
 * path or the cache folder.
 *
 * @example
 * const p = await FacePipeline.create(nodeModelContext(), { embedder: 'mobilefacenet' });
 */
export function nodeModelContext(options: { weightsPath?: string; modelsDir?: string } = {}): ModelContext {
  const ctx: ModelContext = {
    files: folderFileLoader(options.modelsDir ?? bundledModelsDir()),
    weights: weightsResolver(),
    readFile: readWeightsFile,
  };
  if (options.weightsPath !== undefined) ctx.weightsPath = resolve(options.weightsPath);
  return ctx;
}
