import { FaceKitError } from '@facekit/core';

// A reader for dlib's DNN `.dat` files (`dlib::serialize(net)`, dlib/serialize.h and dlib/dnn/*.h). The file holds
// the network from the loss layer inwards: each wrapper (add_loss_layer, add_layer, add_tag_layer, add_skip_layer)
// writes its version and then its sub-network, so the file opens with one version number per wrapper, followed by
// the input layer and the layers' details from the input outwards. The wiring (which tag an add_prev adds) lives in
// C++ template arguments, not in the file: callers check the layer sequence against the architecture they expect.

/**
 * A layer of a dlib network, its parameters as dlib stores them (row-major, dlib's axis order).
 *
 * @example
 * const convs = net.layers.filter((l): l is Extract<DlibLayer, { type: 'con' }> => l.type === 'con');
 */
export type DlibLayer =
  | {
      type: 'con';
      filters: number;
      kernel: [number, number];
      stride: [number, number];
      padding: [number, number];
      /** [filters, inputChannels, kernelRows, kernelCols], row-major. */
      weights: Float32Array;
      inputChannels: number;
      /** One per filter; undefined when the layer has none. */
      bias: Float32Array | undefined;
    }
  | { type: 'affine'; gamma: Float32Array; beta: Float32Array }
  | { type: 'relu' }
  | { type: 'add_prev' }
  | {
      type: 'max_pool' | 'avg_pool';
      /** 0 × 0 pools over the whole map (avg_pool_everything). */
      window: [number, number];
      stride: [number, number];
      padding: [number, number];
    }
  | {
      type: 'fc';
      outputs: number;
      inputs: number;
      /** [inputs, outputs], row-major: y = x · W. */
      weights: Float32Array;
      bias: Float32Array | undefined;
    };

/**
 * A deserialised dlib network: its loss, its input layer and its computational layers from the input outwards.
 *
 * @example
 * const net = parseDlibNet(bytes, 'dlib_face_recognition_resnet_model_v1.dat');
 * net.input.size; // [150, 150]
 */
export interface DlibNet {
  loss: { type: string; margin: number; distanceThreshold: number };
  input: { type: string; meanRgb: [number, number, number]; size: [number, number] };
  layers: DlibLayer[];
  /** How many tag and skip wrappers the file holds (they carry no data). */
  tagsAndSkips: number;
}

/** dlib's float_details exponents for the special values. */
const EXP_INF = 32000;
const EXP_NINF = 32001;
const EXP_NAN = 32002;
/** dlib strings are bytes; layer names are ASCII. */
const latin1 = new TextDecoder('latin1');

/** The primitives of dlib's serialization. Every read is bounds-checked; errors name the file and the offset. */
class DlibReader {
  pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  fail(what: string): never {
    throw new FaceKitError('E_WEIGHTS_FORMAT', `${this.file}: ${what} (byte ${this.pos})`);
  }

  private need(n: number, what: string): void {
    if (n > this.remaining) this.fail(`truncated: ${what} needs ${n} byte(s), ${this.remaining} left`);
  }

  /** pack_int: a control byte (byte count in the low nibble, 0x80 when negative), then little-endian magnitude. */
  int(what = 'an integer'): number {
    this.need(1, what);
    const control = this.bytes[this.pos];
    const size = control & 0x0f;
    if (control & 0x70 || size === 0 || size > 8) this.fail(`${what}: bad control byte 0x${control.toString(16)}`);
    this.need(1 + size, what);
    let value = 0;
    for (let i = size; i >= 1; i--) value = value * 256 + this.bytes[this.pos + i];
    if (!Number.isSafeInteger(value)) this.fail(`${what}: ${size}-byte value out of range`);
    this.pos += 1 + size;
    return control & 0x80 ? -value : value;
  }

  /** A non-negative count or size. */
  count(what: string): number {
    const n = this.int(what);
    if (n < 0) this.fail(`${what} is negative (${n})`);
    return n;
  }

  /** float / double: float_details, an int64 mantissa and an int16 exponent. */
  real(what = 'a real number'): number {
    const mantissa = this.int(what);
    const exponent = this.int(what);
    if (exponent === EXP_INF) return Number.POSITIVE_INFINITY;
    if (exponent === EXP_NINF) return Number.NEGATIVE_INFINITY;
    if (exponent === EXP_NAN) return Number.NaN;
    return mantissa * 2 ** exponent;
  }

  string(what = 'a string'): string {
    const n = this.count(`${what} length`);
    this.need(n, what);
    const s = latin1.decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  /** serialize(bool) writes the character '1' or '0'. */
  bool(what = 'a bool'): boolean {
    this.need(1, what);
    const c = this.bytes[this.pos++];
    if (c !== 0x31 && c !== 0x30) this.fail(`${what}: expected '0' or '1', got 0x${c.toString(16)}`);
    return c === 0x31;
  }

  /** A resizable_tensor, version 2: num_samples, k, nr, nc, then raw little-endian float32. */
  tensor(what: string): { shape: [number, number, number, number]; data: Float32Array } {
    const version = this.int(`${what} version`);
    if (version !== 2) this.fail(`${what}: tensor version ${version}, expected 2`);
    const shape = [0, 0, 0, 0].map(() => this.count(`${what} shape`)) as [number, number, number, number];
    const size = shape.reduce((a, b) => a * b, 1);
    // Checked before allocating, so a hostile size cannot ask for more memory than the file holds.
    this.need(size * 4, `${what} data [${shape}]`);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = this.view.getFloat32(this.pos + i * 4, true);
    this.pos += size * 4;
    return { shape, data };
  }

  /** An alias_tensor (a view into a layer's params), version 1: num_samples, k, nr, nc. */
  alias(what: string): number {
    const version = this.int(`${what} version`);
    if (version !== 1) this.fail(`${what}: alias_tensor version ${version}, expected 1`);
    return [0, 0, 0, 0].map(() => this.count(`${what} shape`)).reduce((a, b) => a * b, 1);
  }
}

/** Splits a layer's params tensor into consecutive views of the given sizes; their total must be all of it. */
function split(r: DlibReader, params: Float32Array, sizes: number[], what: string): Float32Array[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== params.length) r.fail(`${what}: params hold ${params.length} values, its parts ${total}`);
  let at = 0;
  return sizes.map((n) => {
    const part = params.subarray(at, at + n);
    at += n;
    return part;
  });
}

function readCon(r: DlibReader): DlibLayer {
  const { data: params } = r.tensor('con_ params');
  const filters = r.count('con_ num_filters');
  const kernel: [number, number] = [r.count('con_ nr'), r.count('con_ nc')];
  const stride: [number, number] = [r.count('con_ stride_y'), r.count('con_ stride_x')];
  const padding: [number, number] = [r.count('con_ padding_y'), r.count('con_ padding_x')];
  const weightCount = r.alias('con_ filters');
  const biasCount = r.alias('con_ biases');
  for (let i = 0; i < 4; i++) r.real('con_ multiplier');
  const perFilter = filters * kernel[0] * kernel[1];
  if (filters === 0 || perFilter === 0 || weightCount % perFilter !== 0) {
    r.fail(`con_: ${weightCount} filter values do not fit ${filters} filters of ${kernel.join('×')}`);
  }
  if (biasCount !== 0 && biasCount !== filters) r.fail(`con_: ${biasCount} biases for ${filters} filters`);
  const [weights, bias] = split(r, params, [weightCount, biasCount], 'con_');
  return {
    type: 'con',
    filters,
    kernel,
    stride,
    padding,
    weights,
    inputChannels: weightCount / perFilter,
    bias: biasCount ? bias : undefined,
  };
}

function readAffine(r: DlibReader): DlibLayer {
  const { data: params } = r.tensor('affine_ params');
  const gammaCount = r.alias('affine_ gamma');
  const betaCount = r.alias('affine_ beta');
  r.int('affine_ mode');
  if (gammaCount !== betaCount) r.fail(`affine_: ${gammaCount} gammas but ${betaCount} betas`);
  const [gamma, beta] = split(r, params, [gammaCount, betaCount], 'affine_');
  return { type: 'affine', gamma, beta };
}

function readPool(r: DlibReader, type: 'max_pool' | 'avg_pool'): DlibLayer {
  const window: [number, number] = [r.count(`${type} nr`), r.count(`${type} nc`)];
  const stride: [number, number] = [r.count(`${type} stride_y`), r.count(`${type} stride_x`)];
  const padding: [number, number] = [r.count(`${type} padding_y`), r.count(`${type} padding_x`)];
  return { type, window, stride, padding };
}

function readFc(r: DlibReader): DlibLayer {
  const outputs = r.count('fc_ num_outputs');
  const inputs = r.count('fc_ num_inputs');
  const { data: params } = r.tensor('fc_ params');
  const weightCount = r.alias('fc_ weights');
  const biasCount = r.alias('fc_ biases');
  r.int('fc_ bias_mode');
  for (let i = 0; i < 4; i++) r.real('fc_ multiplier');
  if (weightCount !== inputs * outputs) r.fail(`fc_: ${weightCount} weights for ${inputs} → ${outputs}`);
  if (biasCount !== 0 && biasCount !== outputs) r.fail(`fc_: ${biasCount} biases for ${outputs} outputs`);
  const [weights, bias] = split(r, params, [weightCount, biasCount], 'fc_');
  return { type: 'fc', outputs, inputs, weights, bias: biasCount ? bias : undefined };
}

/** One layer's details, by the type name it serialises first. */
function readLayer(r: DlibReader): DlibLayer {
  const name = r.string('layer type');
  switch (name) {
    case 'con_4':
      return readCon(r);
    case 'affine_':
      return readAffine(r);
    case 'relu_':
      return { type: 'relu' };
    case 'add_prev_':
      return { type: 'add_prev' };
    case 'max_pool_2':
      return readPool(r, 'max_pool');
    case 'avg_pool_2':
      return readPool(r, 'avg_pool');
    case 'fc_2':
      return readFc(r);
    default:
      return r.fail(`unsupported layer type '${name}'`);
  }
}

/** add_layer's state after its details: three flags and three work tensors (empty in a saved model). */
function skipLayerState(r: DlibReader): void {
  for (let i = 0; i < 3; i++) r.bool('add_layer flag');
  for (const t of ['x_grad', 'cached_output', 'params_grad']) r.tensor(t);
}

function readLoss(r: DlibReader): DlibNet['loss'] {
  const version = r.int('add_loss_layer version');
  if (version !== 1) r.fail(`add_loss_layer version ${version}, expected 1`);
  const type = r.string('loss type');
  if (type !== 'loss_metric_2') r.fail(`unsupported loss layer '${type}'`);
  return { type, margin: r.real('loss margin'), distanceThreshold: r.real('loss distance threshold') };
}

function readInput(r: DlibReader): DlibNet['input'] {
  const type = r.string('input layer type');
  if (type !== 'input_rgb_image_sized') r.fail(`unsupported input layer '${type}'`);
  const meanRgb: [number, number, number] = [r.real('avg_red'), r.real('avg_green'), r.real('avg_blue')];
  const size: [number, number] = [r.count('input rows'), r.count('input columns')];
  return { type, meanRgb, size };
}

/**
 * Reads a dlib DNN `.dat` file (dlib::serialize of a network with a loss_metric_ head, an input_rgb_image_sized
 * input and con_, affine_, relu_, max_pool_, avg_pool_, add_prev_, fc_ layers; tag and skip wrappers are counted).
 * Throws FaceKitError E_WEIGHTS_FORMAT on anything else, on truncation, or on trailing bytes.
 *
 * @example
 * const net = parseDlibNet(await readFile('dlib_face_recognition_resnet_model_v1.dat'), 'dlib ResNet');
 * net.layers.filter((l) => l.type === 'con').length; // 29
 */
export function parseDlibNet(bytes: Uint8Array, file = 'dlib model'): DlibNet {
  const r = new DlibReader(bytes, file);
  const loss = readLoss(r);
  // One version per wrapper, outermost first, until the input layer's type string. add_layer writes 2, the
  // innermost add_layer (the one holding the input layer) 3, tag and skip layers 1.
  const wrappers: number[] = [];
  for (;;) {
    const version = r.int('layer version');
    if (version === 3) break;
    if (version !== 1 && version !== 2) r.fail(`unexpected layer version ${version}`);
    wrappers.push(version);
  }
  const input = readInput(r);
  const layers: DlibLayer[] = [readLayer(r)];
  skipLayerState(r);
  r.int('sample_expansion_factor');
  const outer = wrappers.filter((v) => v === 2).length;
  for (let i = 0; i < outer; i++) {
    layers.push(readLayer(r));
    skipLayerState(r);
  }
  if (r.remaining !== 0) r.fail(`${r.remaining} byte(s) after the last layer`);
  return { loss, input, layers, tagsAndSkips: wrappers.length - outer };
}
