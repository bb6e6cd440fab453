import { FaceKitError } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import type { ExpectedLayer, LayerWeights } from './assign.js';

/**
 * facekit's own weights format: a tf.io weights manifest (specs named `<layer>/<index>`) plus one binary shard.
 * Loading it is a single decode, much faster than HDF5 import. Two forms:
 * - `{ json, data }`: `json` is what you write as `weights.json`, `data` as `weights.bin` (the manifest's one path);
 * - one packed file (`packTfjsWeights`): magic `FKW1`, u32 LE JSON length, the JSON (space-padded to 4 bytes), data.
 *
 * @example
 * const { json } = unpackTfjsWeights(bytes);
 * (json as TfjsWeightsJson).model; // e.g. 'facenet512'
 */
export interface TfjsWeightsJson {
  format: 'facekit-weights';
  version: 1;
  /** Free-form model name, e.g. `facenet512`. */
  model?: string;
  weightsManifest: tf.io.WeightsManifestConfig;
}

/**
 * facekit's weights as the manifest and its one binary (see {@link TfjsWeightsJson}).
 *
 * @example
 * const { json, data }: TfjsWeights = await exportTfjsWeights(weights, { model: 'facenet' });
 */
export interface TfjsWeights {
  json: TfjsWeightsJson;
  data: Uint8Array;
}

const MAGIC = [0x46, 0x4b, 0x57, 0x31]; // 'FKW1'

/**
 * Encodes layer weights (e.g. from `loadKerasWeights`) into facekit's tfjs weights format.
 *
 * @example
 * const { json, data } = await exportTfjsWeights(weights, { model: 'openface' });
 * await writeFile('openface.json', JSON.stringify(json)); await writeFile('weights.bin', data);
 */
export async function exportTfjsWeights(
  weights: LayerWeights,
  options: { model?: string; binPath?: string } = {},
): Promise<TfjsWeights> {
  const named: tf.NamedTensorMap = {};
  for (const [layer, ts] of weights) {
    for (const [i, t] of ts.entries()) named[`${layer}/${i}`] = t;
  }
  const { data, specs } = await tf.io.encodeWeights(named);
  const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return {
    json: {
      format: 'facekit-weights',
      version: 1,
      ...(options.model ? { model: options.model } : {}),
      weightsManifest: [{ paths: [options.binPath ?? 'weights.bin'], weights: specs }],
    },
    data: new Uint8Array(buffer),
  };
}

function bad(msg: string): FaceKitError {
  return new FaceKitError('E_WEIGHTS_FORMAT', msg);
}

/**
 * Decodes facekit's tfjs weights format into layer weights, checking them against the model's expected layers when
 * given (missing layer / count / shape → `E_WEIGHTS_FORMAT` naming the layer). The caller owns the tensors.
 *
 * @example
 * const weights = importTfjsWeights(json, data, expectedLayers);
 */
export function importTfjsWeights(json: unknown, data: Uint8Array, expected?: readonly ExpectedLayer[]): LayerWeights {
  const j = json as TfjsWeightsJson;
  if (j?.format !== 'facekit-weights' || j.version !== 1 || !Array.isArray(j.weightsManifest)) {
    throw bad('not a facekit weights manifest (format "facekit-weights", version 1)');
  }
  const specs = j.weightsManifest.flatMap((g) => (Array.isArray(g?.weights) ? g.weights : []));
  let bytes = 0;
  for (const s of specs) {
    if (!s || typeof s.name !== 'string' || !Array.isArray(s.shape) || s.dtype !== 'float32' || s.quantization) {
      throw bad(`weight '${String(s?.name)}': only plain float32 weights are supported`);
    }
    if (s.shape.some((d) => !Number.isInteger(d) || d < 0)) throw bad(`weight '${s.name}' has an invalid shape`);
    bytes += 4 * s.shape.reduce((a, b) => a * b, 1);
  }
  if (bytes !== data.byteLength) {
    throw bad(`weights data holds ${data.byteLength} bytes, the manifest describes ${bytes} (truncated?)`);
  }
  // Group `<layer>/<index>` specs per layer before allocating anything, and validate against the model.
  const perLayer = new Map<string, tf.io.WeightsManifestEntry[]>();
  for (const s of specs) {
    const cut = s.name.lastIndexOf('/');
    const layer = s.name.slice(0, cut);
    const index = Number(s.name.slice(cut + 1));
    const list = perLayer.get(layer) ?? [];
    // A negative, huge or repeated index would decode a tensor that no layer list holds (a leak) or a sparse array.
    if (cut <= 0 || !Number.isInteger(index) || index < 0 || index >= specs.length || list[index]) {
      throw bad(`weight name '${s.name}' is not a unique <layer>/<index>`);
    }
    list[index] = s;
    perLayer.set(layer, list);
  }
  for (const { layer, weights } of expected ?? []) {
    if (weights.length === 0) continue;
    const got = perLayer.get(layer);
    if (!got) throw bad(`layer '${layer}' is missing (is this the weights file of another model?)`);
    if (got.length !== weights.length || weights.some((w, i) => !got[i] || got[i].shape.join() !== w.shape.join())) {
      throw bad(
        `layer '${layer}': weights [${got.map((s) => `[${s?.shape}]`)}], the model expects [${weights.map((w) => `[${w.shape}]`)}]`,
      );
    }
  }
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  const named = tf.io.decodeWeights(buffer, specs);
  const out: LayerWeights = new Map();
  const wanted = expected ? new Set(expected.map((l) => l.layer)) : undefined;
  for (const [layer, list] of perLayer) {
    const ts = list.map((s) => named[s.name]);
    if (wanted && !wanted.has(layer)) tf.dispose(ts);
    else out.set(layer, ts);
  }
  return out;
}

/**
 * Packs `{ json, data }` into one file (see TfjsWeightsJson).
 *
 * @example
 * const packed = packTfjsWeights(await exportTfjsWeights(weights, { model: 'facenet' }));
 * await writeFile('facenet.fkw', packed);
 */
export function packTfjsWeights({ json, data }: TfjsWeights): Uint8Array {
  let header = new TextEncoder().encode(JSON.stringify(json));
  const padded = Math.ceil(header.length / 4) * 4;
  if (padded !== header.length) {
    const h = new Uint8Array(padded).fill(0x20);
    h.set(header);
    header = h;
  }
  const out = new Uint8Array(8 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, header.length, true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

/**
 * True when the bytes start with the packed facekit weights magic `FKW1`.
 *
 * @example
 * const weights = isPackedTfjsWeights(bytes) ? unpackTfjsWeights(bytes) : undefined;
 */
export function isPackedTfjsWeights(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Splits a packed file into `{ json, data }` (data is a view, not a copy).
 *
 * @example
 * const { json, data } = unpackTfjsWeights(await readFile('facenet.fkw'));
 * const weights = importTfjsWeights(json, data, expected);
 */
export function unpackTfjsWeights(bytes: Uint8Array): TfjsWeights {
  if (!isPackedTfjsWeights(bytes)) throw bad('not a packed facekit weights file (no FKW1 magic)');
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + len > bytes.length) throw bad('packed facekit weights file is truncated');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
  } catch (cause) {
    throw new FaceKitError('E_WEIGHTS_FORMAT', 'packed facekit weights file has a corrupt header', { cause });
  }
  return { json: json as TfjsWeightsJson, data: bytes.subarray(8 + len) };
}
