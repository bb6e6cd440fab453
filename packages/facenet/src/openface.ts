import { kerasAutoNamer, type NetworkDefinition, type Ops, type Padding2D } from './graph.js';

/** One inception block of nn4.small2: which branches it has and their sizes. */
interface InceptionBlock {
  id: string;
  /** 1x1 reduce → 3x3 conv: [reduce filters, filters, stride]. */
  b3: [number, number, number];
  /** 1x1 reduce → 5x5 conv: [reduce filters, filters, stride]. */
  b5?: [number, number, number];
  /** Pooling branch: max pool 3/2 or L2 pool 3/3, an optional 1x1 conv, then zero padding back to the block size. */
  pool: { kind: 'max' | 'l2'; filters?: number; pad: Padding2D };
  /** Plain 1x1 branch filters. */
  b1?: number;
}

const sym = (p: number): Padding2D => [
  [p, p],
  [p, p],
];
const BOTTOM_RIGHT: Padding2D = [
  [0, 1],
  [0, 1],
];

// OpenFace nn4.small2.v1 as in deepface's OpenFace.py; concatenation order [3x3, 5x5, pool, 1x1].
const BLOCKS: InceptionBlock[] = [
  {
    id: '3a',
    b3: [96, 128, 1],
    b5: [16, 32, 1],
    pool: {
      kind: 'max',
      filters: 32,
      pad: [
        [3, 4],
        [3, 4],
      ],
    },
    b1: 64,
  },
  { id: '3b', b3: [96, 128, 1], b5: [32, 64, 1], pool: { kind: 'l2', filters: 64, pad: sym(4) }, b1: 64 },
  { id: '3c', b3: [128, 256, 2], b5: [32, 64, 2], pool: { kind: 'max', pad: BOTTOM_RIGHT } },
  { id: '4a', b3: [96, 192, 1], b5: [32, 64, 1], pool: { kind: 'l2', filters: 128, pad: sym(2) }, b1: 256 },
  { id: '4e', b3: [160, 256, 2], b5: [64, 128, 2], pool: { kind: 'max', pad: BOTTOM_RIGHT } },
  { id: '5a', b3: [96, 384, 1], pool: { kind: 'l2', filters: 96, pad: sym(1) }, b1: 256 },
  { id: '5b', b3: [96, 384, 1], pool: { kind: 'max', filters: 96, pad: sym(1) }, b1: 256 },
];

/** BatchNormalization epsilon in deepface's OpenFace (Keras' fused kernel raises it to 1.001e-5, see TensorOps). */
const BN_EPS = 1e-5;
const LRN = { depthRadius: 5, bias: 1, alpha: 1e-4, beta: 0.75 };

function graph<T>(o: Ops<T>, input: T): T {
  const auto = kerasAutoNamer();
  // Conv2D(bias) → BatchNormalization(eps 1e-5, scale) → ReLU.
  const cbr = (x: T, conv: string, bn: string, filters: number, kernel: number, strides = 1) =>
    o.convBn(x, {
      conv,
      bn,
      filters,
      kernel,
      strides,
      bias: true,
      eps: BN_EPS,
      scale: true,
      relu: true,
      act: auto('activation'),
    });
  const pad = (x: T, p: Padding2D) => o.zeroPad(x, p, auto('zero_padding2d'));

  let x = pad(input, sym(3));
  x = cbr(x, 'conv1', 'bn1', 64, 7, 2);
  x = o.maxPool(pad(x, sym(1)), 3, 2, auto('max_pooling2d'));
  x = o.lrn(x, 'lrn_1', LRN);
  x = cbr(x, 'conv2', 'bn2', 64, 1);
  x = cbr(pad(x, sym(1)), 'conv3', 'bn3', 192, 3);
  x = o.lrn(x, 'lrn_2', LRN);
  x = o.maxPool(pad(x, sym(1)), 3, 2, auto('max_pooling2d'));

  for (const b of BLOCKS) {
    const p = `inception_${b.id}`;
    const branches: T[] = [];
    const reduceThen = (kind: '3x3' | '5x5', [reduce, filters, stride]: [number, number, number], k: number) => {
      const r = cbr(x, `${p}_${kind}_conv1`, `${p}_${kind}_bn1`, reduce, 1);
      return cbr(pad(r, sym((k - 1) / 2)), `${p}_${kind}_conv2`, `${p}_${kind}_bn2`, filters, k, stride);
    };
    branches.push(reduceThen('3x3', b.b3, 3));
    if (b.b5) branches.push(reduceThen('5x5', b.b5, 5));
    let pool =
      b.pool.kind === 'max'
        ? o.maxPool(x, 3, 2, auto('max_pooling2d'))
        : o.l2Pool(x, 3, 3, {
            square: `power2_${b.id}`,
            pool: auto('average_pooling2d'),
            scaled: `mult9_${b.id}`,
            sqrt: `sqrt_${b.id}`,
          });
    if (b.pool.filters) pool = cbr(pool, `${p}_pool_conv`, `${p}_pool_bn`, b.pool.filters, 1);
    branches.push(pad(pool, b.pool.pad));
    if (b.b1) branches.push(cbr(x, `${p}_1x1_conv`, `${p}_1x1_bn`, b.b1, 1));
    x = o.concat(branches, auto('concatenate'));
  }

  x = o.avgPool(x, 3, 1, auto('average_pooling2d'));
  x = o.flatten(x, 'flatten');
  x = o.dense(x, 'dense_layer', 128, true);
  return o.l2Normalize(x, 'norm_layer');
}

/**
 * OpenFace nn4.small2.v1 (deepface `OpenFace`): 96×96 RGB in [0, 1] → 128-D, L2-normalised by the network.
 * Keras layer names, so deepface's `openface_weights.h5` loads by name; 3,743,280 parameters.
 *
 * @example
 * const net = await FaceNetwork.load(openfaceNetwork, await readFile('openface_weights.h5'));
 */
export const openfaceNetwork: NetworkDefinition = {
  name: 'openface',
  inputSize: [96, 96],
  outputDim: 128,
  normalized: true,
  graph,
};
