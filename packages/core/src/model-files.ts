import * as tf from '@tensorflow/tfjs-core';
import { FaceKitError } from './errors.js';

/**
 * Reads a model file by a path relative to a model folder. The platform supplies it: `@facekit/node` reads the
 * `@facekit/models` package from disk, `@facekit/web` fetches from a configurable base URL. Model packages never
 * touch the file system or the network themselves.
 *
 * @example
 * const files: FileLoader = async (path) => new Uint8Array(await (await fetch(`/models/${path}`)).arrayBuffer());
 */
export type FileLoader = (relativePath: string) => Promise<Uint8Array>;

/**
 * Rejects absolute paths, `..` segments, URLs and backslashes: a manifest must not reach outside its folder.
 *
 * @example
 * assertSafeRelativePath('facemesh.bin'); // ok
 * assertSafeRelativePath('../etc/passwd'); // throws
 */
export function assertSafeRelativePath(path: string): void {
  const bad =
    path.length === 0 ||
    path.startsWith('/') ||
    path.includes('\\') ||
    /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path) ||
    path.split('/').some((seg) => seg === '..' || seg === '');
  if (bad)
    throw new FaceKitError('E_WEIGHTS_FORMAT', `model file path '${path}' escapes its folder or is not relative`);
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i + 1);
}

function parseJson(bytes: Uint8Array, path: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new FaceKitError('E_WEIGHTS_FORMAT', `${path} is not valid JSON`, { cause });
  }
}

type Manifest = tf.io.WeightsManifestConfig;

function assertManifest(m: unknown, path: string): asserts m is Manifest {
  const ok =
    Array.isArray(m) &&
    m.every(
      (g) =>
        g && Array.isArray(g.paths) && Array.isArray(g.weights) && g.paths.every((p: unknown) => typeof p === 'string'),
    );
  if (!ok) throw new FaceKitError('E_WEIGHTS_FORMAT', `${path}: weightsManifest is malformed`);
}

const DTYPES = new Set<unknown>(['float32', 'int32', 'bool']);
const QUANT = new Set<unknown>([undefined, 'uint8', 'uint16', 'float16']);

/** Bytes a weight spec needs once decoded, to refuse absurd shapes before allocating anything. */
function specBytes(spec: tf.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const bytesPer = spec.quantization ? (spec.quantization.dtype === 'uint8' ? 1 : 2) : spec.dtype === 'bool' ? 1 : 4;
  return n * bytesPer;
}

async function readShards(
  load: FileLoader,
  base: string,
  manifest: Manifest,
  manifestPath: string,
): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const specs = manifest.flatMap((g) => g.weights);
  for (const s of specs) {
    // Validated here so that tf.io.decodeWeights never sees a spec it would crash on or mis-size.
    if (!s || typeof s.name !== 'string' || !DTYPES.has(s.dtype) || !QUANT.has(s.quantization?.dtype)) {
      throw new FaceKitError('E_WEIGHTS_FORMAT', `${manifestPath}: weight '${String(s?.name)}' has no name or dtype`);
    }
    if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isInteger(d) || d < 0 || d > 1 << 28)) {
      throw new FaceKitError('E_WEIGHTS_FORMAT', `${manifestPath}: weight '${s.name}' has an invalid shape`);
    }
  }
  const expected = specs.reduce((a, s) => a + specBytes(s), 0);
  const parts: Uint8Array[] = [];
  for (const group of manifest) {
    for (const p of group.paths) {
      assertSafeRelativePath(p);
      parts.push(await load(base + p));
    }
  }
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  if (total !== expected) {
    throw new FaceKitError(
      'E_WEIGHTS_FORMAT',
      `${manifestPath}: weight shards hold ${total} bytes, the manifest describes ${expected}`,
    );
  }
  const data = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    data.set(p, off);
    off += p.byteLength;
  }
  return { specs, data: data.buffer };
}

/**
 * An IOHandler for `tf.loadGraphModel` that reads a graph model.json and its shards through a FileLoader.
 *
 * @example
 * const model = await tf.loadGraphModel(graphModelHandler(ctx.files, 'blazeface-back.json'));
 */
export function graphModelHandler(load: FileLoader, modelJsonPath: string): tf.io.IOHandler {
  assertSafeRelativePath(modelJsonPath);
  return {
    load: async () => {
      const json = parseJson(await load(modelJsonPath), modelJsonPath) as Record<string, unknown>;
      if (!json || typeof json !== 'object' || !json.modelTopology) {
        throw new FaceKitError('E_WEIGHTS_FORMAT', `${modelJsonPath} has no modelTopology`);
      }
      assertManifest(json.weightsManifest, modelJsonPath);
      const { specs, data } = await readShards(load, dirOf(modelJsonPath), json.weightsManifest, modelJsonPath);
      return {
        modelTopology: json.modelTopology as object,
        format: json.format as string | undefined,
        generatedBy: json.generatedBy as string | undefined,
        convertedBy: json.convertedBy as string | undefined,
        signature: json.signature as object | undefined,
        userDefinedMetadata: json.userDefinedMetadata as tf.io.ModelArtifacts['userDefinedMetadata'],
        modelInitializer: json.modelInitializer as object | undefined,
        weightSpecs: specs,
        weightData: data,
      };
    },
  };
}

/**
 * Loads a raw weights manifest (face-api.js style: `[{ paths, weights }]`, no topology) into named tensors.
 * The caller owns the returned tensors.
 *
 * @example
 * const weights = await loadWeightsManifest(ctx.files, 'face_recognition_model-weights_manifest.json');
 * Object.keys(weights); // ['conv32_down/conv/filters', ...]
 * tf.dispose(Object.values(weights));
 */
export async function loadWeightsManifest(load: FileLoader, manifestPath: string): Promise<tf.NamedTensorMap> {
  assertSafeRelativePath(manifestPath);
  const manifest = parseJson(await load(manifestPath), manifestPath);
  assertManifest(manifest, manifestPath);
  const { specs, data } = await readShards(load, dirOf(manifestPath), manifest, manifestPath);
  return tf.io.decodeWeights(data, specs);
}
