import { FaceKitError } from '@facekit/core';
import { type Dataset, type Group, type H5File, openHdf5Bytes } from './hdf5.js';

/** Largest weight read (2^28 elements = 1 GiB of float32; DeepFace's largest, F8, has 35M). */
export const MAX_WEIGHT_ELEMENTS = 2 ** 28;

/**
 * One stored weight of a Keras layer.
 *
 * @example
 * const [kernel]: KerasWeight[] = kf.readLayer('conv1').weights; // { name: 'conv1/kernel:0', shape, data }
 */
export interface KerasWeight {
  /** The name as stored in `weight_names`, e.g. `conv1/kernel:0`. */
  name: string;
  shape: number[];
  /** float32 values in C order (float64 datasets are converted). */
  data: Float32Array;
}

/**
 * The weights of one layer, in the order Keras stores them (Conv: kernel, bias; BN: [gamma,] beta, mean, var).
 *
 * @example
 * const { layer, weights }: KerasLayerWeights = kf.readLayer('conv1');
 */
export interface KerasLayerWeights {
  layer: string;
  weights: KerasWeight[];
}

/**
 * A weight's name and shape without its data.
 *
 * @example
 * const info: KerasWeightInfo[] = kf.info('conv1'); // [{ name, shape }], no data read
 */
export interface KerasWeightInfo {
  name: string;
  shape: number[];
}

/**
 * What `openKerasWeights` accepts:
 * - the bytes of an `.h5` file (`Uint8Array` / `ArrayBuffer`), opened in h5wasm's in-memory file system without a copy;
 * - an already opened h5wasm `File` (from either h5wasm build, e.g. `@facekit/keras/node` opens paths with
 *   h5wasm's Node build, which reads from disk on demand). The caller keeps ownership: `close()` does not close it.
 *
 * @example
 * const source: KerasWeightsSource = await readFile('facenet_weights.h5');
 * const kf = await openKerasWeights(source);
 */
export type KerasWeightsSource = Uint8Array | ArrayBuffer | H5File;

/** Runs an h5wasm call, turning its plain errors (corrupt / truncated HDF5) into E_WEIGHTS_FORMAT. */
function h5<T>(label: string, what: string, fn: () => T, details?: Record<string, unknown>): T {
  try {
    return fn();
  } catch (cause) {
    if (cause instanceof FaceKitError) throw cause;
    throw new FaceKitError('E_WEIGHTS_FORMAT', `${label}: ${what} could not be read (truncated or corrupt file?)`, {
      cause,
      details,
    });
  }
}

function isH5File(x: unknown): x is H5File {
  return typeof x === 'object' && x !== null && 'file_id' in x && typeof (x as H5File).get === 'function';
}

/** Normalises a string-array attribute: fixed-length or variable-length strings; an empty float array is `[]`. */
function stringList(value: unknown, what: string, label: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  // Keras writes an empty float64 array (shape (0,)) for layers without weights.
  if (ArrayBuffer.isView(value) && (value as Float64Array).length === 0) return [];
  if (Array.isArray(value) && value.length === 0) return [];
  throw new FaceKitError('E_WEIGHTS_FORMAT', `${label}: attribute ${what} is not a list of strings`);
}

/**
 * A Keras 2 `model.save_weights('x.h5')` file (also the `model_weights` group of a full `model.save('x.h5')` file).
 * Layers are read one at a time, so a caller can turn each into tensors and drop the arrays before the next one.
 *
 * @example
 * const kf = await openKerasWeights(bytes);
 * try {
 *   for (const { layer, weights } of kf.layers()) console.log(layer, weights.map((w) => w.shape));
 * } finally { kf.close(); }
 */
export class KerasWeightsFile {
  /** Every layer name from the root `layer_names` attribute, weightless layers included, in Keras model order. */
  readonly layerNames: readonly string[];
  /** Root attributes `backend` and `keras_version` where present. */
  readonly backend?: string;
  readonly kerasVersion?: string;

  private readonly root: Group;
  private readonly names = new Map<string, string[]>();
  private closed = false;

  /** Use `openKerasWeights`. */
  constructor(
    file: H5File,
    private readonly closeFile: () => void,
    readonly label: string,
  ) {
    const root = h5(label, 'the root group', () => {
      if ('layer_names' in file.attrs) return file as Group;
      const mw = file.get('model_weights');
      if (mw && 'attrs' in mw && 'keys' in mw && 'layer_names' in mw.attrs) return mw as Group;
      return undefined;
    });
    if (!root) {
      throw new FaceKitError(
        'E_WEIGHTS_FORMAT',
        `${label}: no 'layer_names' attribute at the root: not a Keras 2 save_weights file ` +
          `(Keras 3 '.weights.h5' files are not supported)`,
      );
    }
    this.root = root;
    this.layerNames = stringList(
      h5(label, 'attribute layer_names', () => root.attrs.layer_names.value),
      'layer_names',
      label,
    );
    const attr = (k: string) => {
      const v = h5(label, `attribute ${k}`, () => root.attrs[k]?.value);
      return typeof v === 'string' ? v : undefined;
    };
    this.backend = attr('backend');
    this.kerasVersion = attr('keras_version');
  }

  private group(layer: string): Group {
    this.assertOpen();
    if (!this.layerNames.includes(layer)) {
      throw new FaceKitError('E_WEIGHTS_FORMAT', `${this.label}: layer '${layer}' is not in the file`, {
        details: { layer },
      });
    }
    const g = h5(this.label, `layer '${layer}'`, () => this.root.get(layer), { layer });
    if (!g || !('keys' in g)) {
      throw new FaceKitError('E_WEIGHTS_FORMAT', `${this.label}: layer '${layer}' is listed but has no group`, {
        details: { layer },
      });
    }
    return g as Group;
  }

  /** Whether the file lists the layer. */
  has(layer: string): boolean {
    return this.layerNames.includes(layer);
  }

  /** The `weight_names` of a layer (`[]` for weightless layers). */
  weightNames(layer: string): string[] {
    let n = this.names.get(layer);
    if (!n) {
      const g = this.group(layer);
      const value = h5(this.label, `layer '${layer}' weight_names`, () => g.attrs.weight_names?.value, { layer });
      n = value === undefined ? [] : stringList(value, `${layer}/weight_names`, this.label);
      this.names.set(layer, n);
    }
    return n;
  }

  private dataset(layer: string, name: string): Dataset {
    const g = this.group(layer);
    const d = h5(this.label, `layer '${layer}': weight '${name}'`, () => g.get(name), { layer, weight: name });
    if (!d || !('shape' in d) || !('dtype' in d)) {
      throw new FaceKitError('E_WEIGHTS_FORMAT', `${this.label}: layer '${layer}': weight '${name}' is missing`, {
        details: { layer, weight: name },
      });
    }
    return d as Dataset;
  }

  /** Names and shapes of a layer's weights, without reading data. */
  info(layer: string): KerasWeightInfo[] {
    return this.weightNames(layer).map((name) => {
      const d = this.dataset(layer, name);
      return {
        name,
        shape: [...(h5(this.label, `layer '${layer}': weight '${name}'`, () => d.shape, { layer }) ?? [])],
      };
    });
  }

  /** Reads one layer's weights (float32, C order). */
  readLayer(layer: string): KerasLayerWeights {
    const weights = this.weightNames(layer).map((name) => this.readWeight(layer, name));
    return { layer, weights };
  }

  private readWeight(layer: string, name: string): KerasWeight {
    const d = this.dataset(layer, name);
    const where = `${this.label}: layer '${layer}': weight '${name}'`;
    const meta = h5(this.label, `layer '${layer}': weight '${name}'`, () => d.metadata, { layer, weight: name });
    // H5T_FLOAT = class 1; little-endian float32 / float64 only (what Keras writes).
    if (meta.type !== 1 || (meta.size !== 4 && meta.size !== 8) || !meta.littleEndian) {
      throw new FaceKitError('E_WEIGHTS_FORMAT', `${where} is not little-endian float32/float64 (${String(d.dtype)})`, {
        details: { layer, weight: name },
      });
    }
    const shape = [...(d.shape ?? [])];
    // Check the claimed size before reading: a few-KB file can declare 10^12 elements (unwritten chunks), and
    // reading it would try to allocate terabytes.
    const size = shape.reduce((a, b) => a * b, 1);
    if (!shape.every((n) => Number.isSafeInteger(n) && n >= 0) || size > MAX_WEIGHT_ELEMENTS) {
      throw new FaceKitError('E_WEIGHTS_FORMAT', `${where} claims shape [${shape}], larger than any real weight`, {
        details: { layer, weight: name, shape },
      });
    }
    const value = h5(this.label, `layer '${layer}': weight '${name}'`, () => d.value, { layer, weight: name });
    let data: Float32Array;
    if (value instanceof Float32Array) data = value;
    else if (value instanceof Float64Array) data = Float32Array.from(value);
    else throw new FaceKitError('E_WEIGHTS_FORMAT', `${where}: unexpected value type`, { details: { layer } });
    if (data.length !== size) {
      throw new FaceKitError('E_WEIGHTS_FORMAT', `${where} holds ${data.length} values for shape [${shape}]`, {
        details: { layer, weight: name },
      });
    }
    return { name, shape, data };
  }

  /** Iterates over the layers that have weights, in file order, reading each only when reached. */
  *layers(): Generator<KerasLayerWeights> {
    for (const layer of this.layerNames) {
      if (this.weightNames(layer).length > 0) yield this.readLayer(layer);
    }
  }

  /** Number of stored parameters (sum of all weight sizes). */
  parameterCount(): number {
    let n = 0;
    for (const layer of this.layerNames) {
      for (const w of this.info(layer)) n += w.shape.reduce((a, b) => a * b, 1);
    }
    return n;
  }

  /** Closes the file (and frees the in-memory copy when it was opened from bytes). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeFile();
  }

  private assertOpen(): void {
    if (this.closed) throw new FaceKitError('E_INPUT', `${this.label} is closed`);
  }
}

/**
 * Opens a Keras `save_weights` HDF5 file. Close it when done (`close()`), ideally in `finally`.
 * A source that is not HDF5 or not in the Keras layout is rejected with `E_WEIGHTS_FORMAT`.
 *
 * @example
 * const kf = await openKerasWeights(await readFile('facenet_weights.h5'));
 * const { weights } = kf.readLayer('Conv2d_1a_3x3'); // [{ name: 'Conv2d_1a_3x3/kernel:0', shape: [3,3,3,32], data }]
 * kf.close();
 */
export async function openKerasWeights(
  source: KerasWeightsSource,
  options: { label?: string } = {},
): Promise<KerasWeightsFile> {
  const label = options.label ?? 'weights file';
  if (isH5File(source)) return new KerasWeightsFile(source, () => {}, options.label ?? source.filename ?? label);
  let bytes: Uint8Array;
  if (source instanceof Uint8Array) bytes = source;
  else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else throw new FaceKitError('E_INPUT', 'openKerasWeights: expected bytes (Uint8Array/ArrayBuffer) or an h5wasm File');
  const opened = await openHdf5Bytes(bytes, label);
  try {
    return new KerasWeightsFile(opened.file, opened.close, label);
  } catch (e) {
    opened.close();
    throw e;
  }
}

/**
 * Reads every layer with weights into memory at once (small models; for large files iterate `layers()`).
 *
 * @example
 * const layers = await readKerasWeights(bytes); // [{ layer: 'conv1', weights: [...] }, ...]
 */
export async function readKerasWeights(source: KerasWeightsSource): Promise<KerasLayerWeights[]> {
  const kf = await openKerasWeights(source);
  try {
    return [...kf.layers()];
  } finally {
    kf.close();
  }
}
