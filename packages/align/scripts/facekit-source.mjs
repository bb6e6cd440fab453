// Loads the facekit packages for the align scripts straight from their TypeScript sources (the '@facekit/source'
// export condition), bundled once with esbuild into .tmp/, so the scripts need no `npm run build` and always run
// the code in the working tree. tfjs, sharp and other npm packages stay external (one tfjs instance, shared with
// the backend the script registers).
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Returns `{ core, detect, align, ...extra }`: the namespaces of @facekit/core, @facekit/detect, @facekit/align and
 * of the `extra` packages (short names, e.g. 'pretrained'), from source when esbuild is available, else from the
 * built packages (`npm run build`).
 */
export async function loadFacekit(extra = []) {
  const names = ['core', 'detect', 'align', ...extra];
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    const mods = await Promise.all(names.map((n) => import(`@facekit/${n}`)));
    return Object.fromEntries(names.map((n, i) => [n, mods[i]]));
  }
  const outDir = join(repoRoot, '.tmp', 'align-scripts');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `facekit-${process.pid}.mjs`);
  await esbuild.build({
    stdin: {
      contents: names.map((n) => `export * as ${n} from '@facekit/${n}';`).join('\n'),
      resolveDir: repoRoot,
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@facekit/source'],
    external: ['@tensorflow/*', 'sharp', 'delaunator'],
    outfile,
    logLevel: 'warning',
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    (await import('node:fs')).rmSync(outfile, { force: true });
  }
}

/** Reads a bundled model file (packages/models/models/). */
export async function modelContext() {
  const { readFile } = await import('node:fs/promises');
  const dir = join(repoRoot, 'packages', 'models', 'models');
  return { files: async (p) => new Uint8Array(await readFile(join(dir, p))) };
}

/** Activates a tfjs backend ('wasm' by default, FACEKIT_BACKEND overrides). */
export async function useBackend(name = process.env.FACEKIT_BACKEND ?? 'wasm') {
  const tf = await import('@tensorflow/tfjs-core');
  await import(name === 'cpu' ? '@tensorflow/tfjs-backend-cpu' : '@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' failed to initialise`);
  await tf.ready();
  return tf;
}

/** Decodes an image file to an int32 [h, w, 3] tensor with sharp. */
export async function readImage(tf, path) {
  const sharp = (await import('sharp')).default;
  const { data, info } = await sharp(path)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return tf.tensor3d(new Int32Array(data), [info.height, info.width, 3], 'int32');
}
