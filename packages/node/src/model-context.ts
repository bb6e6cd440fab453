import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { FaceKitError, type ModelContext } from '@facekit/core';
import { folderFileLoader, readWeightsFile } from './folder-files.js';
import { weightsCacheDir } from './weights/cache-dir.js';
import { NodeWeightsStore } from './weights/store.js';

export { folderFileLoader } from './folder-files.js';
export { weightsCacheDir } from './weights/cache-dir.js';

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

/**
 * Resolves weights that are not bundled (the Keras h5 files of FaceNet / DeepFace) from an explicit path or the cache
 * folder (`<catalogue file>`, `<name>.h5` or `<name>`), never downloading: the cache-only view of the weights store.
 */
export function weightsResolver(cacheDir = weightsCacheDir()): NonNullable<ModelContext['weights']> {
  return new NodeWeightsStore({ cacheDir, download: false }).resolver();
}

/**
 * The ModelContext of `@facekit/node`: bundled model files from `@facekit/models`, other weights through the weights
 * store (explicit path → cache folder → verified download unless FACEKIT_OFFLINE=1).
 *
 * @example
 * const p = await FacePipeline.create(nodeModelContext(), { embedder: 'faceres' });
 */
export function nodeModelContext(
  options: { weightsPath?: string; modelsDir?: string; store?: NodeWeightsStore } = {},
): ModelContext {
  const ctx: ModelContext = {
    files: folderFileLoader(options.modelsDir ?? bundledModelsDir()),
    weights: (options.store ?? new NodeWeightsStore()).resolver(),
    readFile: readWeightsFile,
  };
  if (options.weightsPath !== undefined) ctx.weightsPath = resolve(options.weightsPath);
  return ctx;
}
