import { type Embedder, FaceKitError, type ModelContext } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type DlibLayer, parseDlibNet } from './dlib-dat.js';
import { assertFaceBatch, embedRows } from './input.js';

/**
 * dlib's own model file (float32, public domain), bundled in @facekit/models.
 *
 * @example
 * const net = DlibResNetEmbedder.fromDat(await ctx.files(DLIB_RESNET_DAT));
 */
export const DLIB_RESNET_DAT = 'dlib_face_recognition_resnet_model_v1.dat';
/**
 * Side of the dlib ResNet's aligned input chip in pixels.
 *
 * @example
 * const chip = tf.image.resizeBilinear(face, [DLIB_RESNET_INPUT, DLIB_RESNET_INPUT]);
 */
export const DLIB_RESNET_INPUT = 150;
/**
 * Length of a dlib ResNet embedding.
 *
 * @example
 * const emptyEmbedding = new Float32Array(DLIB_RESNET_DIM);
 */
export const DLIB_RESNET_DIM = 128;
/**
 * Mean RGB of dlib's training chips; the network sees (rgb − mean) / 256, as dlib's input_rgb_image_sized feeds it.
 * (face-api.js divides by 255 instead.)
 *
 * @example
 * const centred = tf.sub(chip, DLIB_MEAN_RGB as unknown as number[]);
 */
export const DLIB_MEAN_RGB: readonly [number, number, number] = [122.782, 117.001, 104.298];
const DLIB_INPUT_SCALE = 256;

/**
 * One residual block: `same` keeps the size; `down` halves it (stride-2 conv, avg-pool shortcut).
 *
 * @example
 * const block: DlibResNetBlock = DLIB_RESNET_BLOCKS[0];
 */
export interface DlibResNetBlock {
  name: string;
  kind: 'same' | 'down';
  cin: number;
  cout: number;
}

function stage(prefix: string, cin: number, cout: number, count: number, down: boolean): DlibResNetBlock[] {
  const blocks: DlibResNetBlock[] = [];
  if (down) blocks.push({ name: `${prefix}_down`, kind: 'down', cin, cout });
  for (let i = 1; i <= count; i++) blocks.push({ name: `${prefix}_${i}`, kind: 'same', cin: cout, cout });
  return blocks;
}

/**
 * dlib's "ResNet-34 with a few layers removed and half the filters" (29 conv layers): a 7×7/2 stem, 3×3/2 max-pool,
 * residual stages of 32, 64, 128, 256 channels and a last down-sampling block, global average pool, 256 → 128 fc.
 * Names are those of face-api's weights manifest.
 *
 * @example
 * DLIB_RESNET_BLOCKS.filter((b) => b.down).length; // the blocks that halve the resolution
 */
export const DLIB_RESNET_BLOCKS: readonly DlibResNetBlock[] = [
  ...stage('conv32', 32, 32, 3, false),
  ...stage('conv64', 32, 64, 3, true),
  ...stage('conv128', 64, 128, 2, true),
  ...stage('conv256', 128, 256, 2, true),
  { name: 'conv256_down_out', kind: 'down', cin: 256, cout: 256 },
];

/**
 * A conv layer with its bias and dlib's per-channel affine "scale" layer folded in:
 * (conv(x, W) + b) · s + c = conv(x, W · s) + (b · s + c).
 */
interface FoldedConv {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}

interface Params {
  stem: FoldedConv;
  blocks: Array<{ def: DlibResNetBlock; conv1: FoldedConv; conv2: FoldedConv }>;
  fc: tf.Tensor2D;
}

/**
 * Every weight name and shape the network needs, in manifest order.
 *
 * @example
 * for (const [name, shape] of dlibResNetWeightShapes()) console.log(name, shape.join('×'));
 */
export function dlibResNetWeightShapes(): Array<[string, number[]]> {
  const conv = (p: string, k: number, cin: number, cout: number): Array<[string, number[]]> => [
    [`${p}/conv/filters`, [k, k, cin, cout]],
    [`${p}/conv/bias`, [cout]],
    [`${p}/scale/weights`, [cout]],
    [`${p}/scale/biases`, [cout]],
  ];
  return [
    ...conv('conv32_down', 7, 3, 32),
    ...DLIB_RESNET_BLOCKS.flatMap((b) => [
      ...conv(`${b.name}/conv1`, 3, b.cin, b.cout),
      ...conv(`${b.name}/conv2`, 3, b.cout, b.cout),
    ]),
    ['fc', [256, DLIB_RESNET_DIM]],
  ];
}

/** The layer sequence dlib's anet_type serialises, input outwards, as comparable one-line signatures. */
function expectedLayerSignatures(): string[] {
  const con = (n: number, k: number, s: number, p: number, cin: number) => `con ${n} ${k}×${k}/${s} pad ${p} in ${cin}`;
  // dlib's block: con, affine, relu, con, affine; a down block's first con has stride 2 and no padding, and its
  // shortcut is a 2×2 average pool. Then add_prev and relu.
  const block = (b: DlibResNetBlock) => {
    const down = b.kind === 'down';
    return [
      con(b.cout, 3, down ? 2 : 1, down ? 0 : 1, b.cin),
      'affine',
      'relu',
      con(b.cout, 3, 1, 1, b.cout),
      'affine',
      ...(down ? ['avg_pool 2×2/2 pad 0'] : []),
      'add_prev',
      'relu',
    ];
  };
  return [
    con(32, 7, 2, 0, 3),
    'affine',
    'relu',
    'max_pool 3×3/2 pad 0',
    ...DLIB_RESNET_BLOCKS.flatMap(block),
    'avg_pool 0×0/1 pad 0',
    `fc 256 → ${DLIB_RESNET_DIM}`,
  ];
}

const pair = ([a, b]: readonly [number, number]): string => (a === b ? `${a}` : `${a},${b}`);

function layerSignature(l: DlibLayer): string {
  switch (l.type) {
    case 'con':
      return `con ${l.filters} ${l.kernel.join('×')}/${pair(l.stride)} pad ${pair(l.padding)} in ${l.inputChannels}${
        l.bias ? '' : ' no bias'
      }`;
    case 'max_pool':
    case 'avg_pool':
      return `${l.type} ${l.window.join('×')}/${pair(l.stride)} pad ${pair(l.padding)}`;
    case 'fc':
      return `fc ${l.inputs} → ${l.outputs}${l.bias ? ' with bias' : ''}`;
    default:
      return l.type;
  }
}

/**
 * Reads dlib's `dlib_face_recognition_resnet_model_v1.dat` into the named weights `fromWeights` takes (face-api's
 * names; filters transposed from dlib's [out, in, h, w] to tfjs's [h, w, in, out]). The file must hold exactly this
 * architecture: every layer's kind, size, stride and padding, the input size and mean are checked (E_WEIGHTS_FORMAT).
 * The caller owns the returned tensors.
 *
 * @example
 * const weights = dlibResNetWeightsFromDat(await ctx.files(DLIB_RESNET_DAT));
 * tf.dispose(Object.values(weights));
 */
export function dlibResNetWeightsFromDat(bytes: Uint8Array, file = DLIB_RESNET_DAT): tf.NamedTensorMap {
  const net = parseDlibNet(bytes, file);
  const bad = (what: string): never => {
    throw new FaceKitError('E_WEIGHTS_FORMAT', `${file}: not dlib's face recognition ResNet: ${what}`);
  };
  if (net.input.size[0] !== DLIB_RESNET_INPUT || net.input.size[1] !== DLIB_RESNET_INPUT) {
    bad(`input ${net.input.size.join('×')}, expected ${DLIB_RESNET_INPUT}×${DLIB_RESNET_INPUT}`);
  }
  if (net.input.meanRgb.some((m, i) => Math.abs(m - DLIB_MEAN_RGB[i]) > 1e-3)) {
    bad(`input mean [${net.input.meanRgb}], expected [${DLIB_MEAN_RGB}]`);
  }
  const expected = expectedLayerSignatures();
  if (net.layers.length !== expected.length) bad(`${net.layers.length} layers, expected ${expected.length}`);
  net.layers.forEach((l, i) => {
    const got = layerSignature(l);
    if (got !== expected[i]) bad(`layer ${i} is '${got}', expected '${expected[i]}'`);
  });
  const convs = net.layers.filter((l): l is Extract<DlibLayer, { type: 'con' }> => l.type === 'con');
  const affines = net.layers.filter((l): l is Extract<DlibLayer, { type: 'affine' }> => l.type === 'affine');
  const fc = net.layers[net.layers.length - 1] as Extract<DlibLayer, { type: 'fc' }>;
  const prefixes = ['conv32_down', ...DLIB_RESNET_BLOCKS.flatMap((b) => [`${b.name}/conv1`, `${b.name}/conv2`])];
  return tf.tidy(() => {
    const weights: tf.NamedTensorMap = {};
    prefixes.forEach((p, i) => {
      const c = convs[i];
      const [kh, kw] = c.kernel;
      const dlibOrder = tf.tensor4d(c.weights, [c.filters, c.inputChannels, kh, kw]);
      weights[`${p}/conv/filters`] = tf.transpose(dlibOrder, [2, 3, 1, 0]);
      weights[`${p}/conv/bias`] = tf.tensor1d(c.bias as Float32Array);
      weights[`${p}/scale/weights`] = tf.tensor1d(affines[i].gamma);
      weights[`${p}/scale/biases`] = tf.tensor1d(affines[i].beta);
    });
    weights.fc = tf.tensor2d(fc.weights, [fc.inputs, fc.outputs]);
    return weights;
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Checks names and shapes, then folds bias and scale into each conv. Does not dispose `weights`. */
function buildParams(weights: tf.NamedTensorMap): Params {
  for (const [name, shape] of dlibResNetWeightShapes()) {
    const t = weights[name];
    if (!t) throw new FaceKitError('E_WEIGHTS_FORMAT', `dlib-resnet34: weight '${name}' is missing`);
    if (!sameShape(t.shape, shape)) {
      throw new FaceKitError(
        'E_WEIGHTS_FORMAT',
        `dlib-resnet34: weight '${name}' has shape [${t.shape}], expected [${shape}]`,
      );
    }
  }
  const fold = (p: string): FoldedConv =>
    tf.tidy(() => {
      const s = weights[`${p}/scale/weights`];
      return {
        filter: tf.mul(weights[`${p}/conv/filters`], s) as tf.Tensor4D,
        bias: tf.add(tf.mul(weights[`${p}/conv/bias`], s), weights[`${p}/scale/biases`]) as tf.Tensor1D,
      };
    });
  return {
    stem: fold('conv32_down'),
    blocks: DLIB_RESNET_BLOCKS.map((def) => ({
      def,
      conv1: fold(`${def.name}/conv1`),
      conv2: fold(`${def.name}/conv2`),
    })),
    fc: tf.clone(weights['fc']) as tf.Tensor2D,
  };
}

function conv(
  x: tf.Tensor4D,
  c: FoldedConv,
  stride: number,
  pad: 'same' | 'valid',
  activation: 'relu' | 'linear',
): tf.Tensor4D {
  return tf.fused.conv2d({ x, filter: c.filter, strides: stride, pad, bias: c.bias, activation });
}

/**
 * The down-sampling block: a valid 3×3/2 conv path and a 2×2/2 average-pool shortcut whose new channels are zero.
 * On odd sizes the conv path comes out one row/column short of the pool (8 → 3 vs 4, 4 → 1 vs 2); as dlib's
 * add_prev does, the smaller map is zero-extended at the bottom/right before the sum.
 */
function downBlock(x: tf.Tensor4D, b: Params['blocks'][number]): tf.Tensor4D {
  const y = conv(conv(x, b.conv1, 2, 'valid', 'relu'), b.conv2, 1, 'same', 'linear');
  const pooled = tf.avgPool(x, 2, 2, 'valid');
  const [, ph, pw] = pooled.shape;
  const [, yh, yw] = y.shape;
  const yPadded =
    ph > yh || pw > yw
      ? tf.pad(y, [
          [0, 0],
          [0, Math.max(0, ph - yh)],
          [0, Math.max(0, pw - yw)],
          [0, 0],
        ])
      : y;
  const extra = b.def.cout - b.def.cin;
  const shortcut =
    extra > 0
      ? tf.pad(pooled, [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, extra],
        ])
      : pooled;
  return tf.relu(tf.add(shortcut, yPadded)) as tf.Tensor4D;
}

function sameBlock(x: tf.Tensor4D, b: Params['blocks'][number]): tf.Tensor4D {
  const y = conv(conv(x, b.conv1, 1, 'same', 'relu'), b.conv2, 1, 'same', 'linear');
  return tf.relu(tf.add(x, y)) as tf.Tensor4D;
}

/**
 * dlib's face recognition ResNet (150×150 RGB → 128-D, not normalised; same person when the euclidean distance is
 * below ≈ 0.6). The forward pass is written in tfjs-core ops; the weights come from dlib's own model file.
 *
 * @example
 * const net = await DlibResNetEmbedder.load(ctx);
 * const [v] = await net.embed(faces); // faces: [n, 150, 150, 3], 0..255 RGB, aligned with dlibChipTemplate()
 * net.dispose();
 */
export class DlibResNetEmbedder implements Embedder {
  readonly name = 'dlib-resnet34';
  readonly dim = DLIB_RESNET_DIM;
  private params: Params | undefined;

  private constructor(params: Params) {
    this.params = params;
  }

  /** Builds the network from a weight map (names and shapes of face-api's manifest). Does not take ownership. */
  static fromWeights(weights: tf.NamedTensorMap): DlibResNetEmbedder {
    return new DlibResNetEmbedder(buildParams(weights));
  }

  /** Builds the network from dlib's `.dat` model file (structure-checked: E_WEIGHTS_FORMAT on any other net). */
  static fromDat(bytes: Uint8Array, file = DLIB_RESNET_DAT): DlibResNetEmbedder {
    const weights = dlibResNetWeightsFromDat(bytes, file);
    try {
      return DlibResNetEmbedder.fromWeights(weights);
    } finally {
      tf.dispose(weights);
    }
  }

  /** Loads dlib's bundled model file through the context's file loader. */
  static async load(ctx: ModelContext): Promise<DlibResNetEmbedder> {
    return DlibResNetEmbedder.fromDat(await ctx.files(DLIB_RESNET_DAT));
  }

  /** Number of parameters after folding (conv filters, folded biases, fc). */
  get parameterCount(): number {
    const p = this.live();
    const convs = [p.stem, ...p.blocks.flatMap((b) => [b.conv1, b.conv2])];
    return convs.reduce((n, c) => n + c.filter.size + c.bias.size, p.fc.size);
  }

  /** The [n, 128] descriptors as a tensor (the caller disposes it). */
  predict(faces: tf.Tensor4D): tf.Tensor2D {
    assertFaceBatch(faces, [DLIB_RESNET_INPUT, DLIB_RESNET_INPUT], this.name);
    const p = this.live();
    return tf.tidy(() => {
      const mean = tf.tensor1d([...DLIB_MEAN_RGB]);
      let x = tf.div(tf.sub(tf.cast(faces, 'float32'), mean), DLIB_INPUT_SCALE) as tf.Tensor4D;
      x = conv(x, p.stem, 2, 'valid', 'relu');
      x = tf.maxPool(x, 3, 2, 'valid');
      for (const b of p.blocks) x = b.def.kind === 'down' ? downBlock(x, b) : sameBlock(x, b);
      return tf.matMul(tf.mean(x, [1, 2]) as tf.Tensor2D, p.fc);
    });
  }

  embed(faces: tf.Tensor4D): Promise<Float32Array[]> {
    return embedRows(faces, [DLIB_RESNET_INPUT, DLIB_RESNET_INPUT], this.name, (f) => this.predict(f));
  }

  dispose(): void {
    if (!this.params) return;
    const p = this.params;
    this.params = undefined;
    tf.dispose([
      p.fc,
      p.stem.filter,
      p.stem.bias,
      ...p.blocks.flatMap((b) => [b.conv1.filter, b.conv1.bias, b.conv2.filter, b.conv2.bias]),
    ]);
  }

  private live(): Params {
    if (!this.params) throw new FaceKitError('E_INPUT', `${this.name}: the embedder has been disposed`);
    return this.params;
  }
}
