import { FaceKitError } from '@facekit/core';
import type { ExpectedLayer } from '@facekit/keras';

/**
 * Zero padding as Keras writes it: [[top, bottom], [left, right]].
 *
 * @example
 * x = ops.zeroPad(x, [[3, 3], [3, 3]], 'zero_padding2d'); // 96×96 → 102×102
 */
export type Padding2D = [[number, number], [number, number]];

/**
 * A plain Conv2D layer's settings (no BatchNormalization after it).
 *
 * @example
 * x = ops.conv(x, 'Block35_1_Conv2d_1x1', { filters: 256, kernel: 1, padding: 'same', bias: true });
 */
export interface ConvOptions {
  filters: number;
  /** [kh, kw] or a square size. */
  kernel: number | [number, number];
  strides?: number;
  /** TF padding; 'same' is only used with stride 1 and odd kernels here (symmetric). */
  padding?: 'valid' | 'same';
  /** Whether the conv has a bias. */
  bias: boolean;
}

/**
 * A Conv2D followed by a BatchNormalization (and usually a ReLU), as Keras builds them.
 *
 * @example
 * x = ops.convBn(x, {
 *   conv: 'Conv2d_1a_3x3', bn: 'Conv2d_1a_3x3_BatchNorm', act: 'Conv2d_1a_3x3_Activation',
 *   filters: 32, kernel: 3, strides: 2, bias: false, relu: true, eps: 0.001, scale: false,
 * });
 */
export interface ConvBnOptions extends ConvOptions {
  conv: string;
  bn: string;
  /** Whether a ReLU follows the BN. */
  relu: boolean;
  /** Name of that ReLU Activation layer, for intermediate outputs. */
  act?: string;
  eps: number;
  /** BatchNormalization(scale=...) : whether `gamma` is stored. */
  scale: boolean;
}

/**
 * Keras names of the layers an Inception-ResNet residual is made of, so each can be read as an intermediate output.
 *
 * @example
 * x = ops.residual(x, up, 0.17, { scaled: 'lambda', sum: 'add', relu: 'Block35_1_Activation' });
 */
export interface ResidualNames {
  /** The `Lambda` that scales the branch. */
  scaled?: string;
  /** The `Add` of the block input and the scaled branch. */
  sum?: string;
  /** The ReLU `Activation` after the sum (none: no ReLU). */
  relu?: string;
}

/**
 * Keras names of the four layers of OpenFace's L2 pooling (x² → AveragePooling2D → ×9 → sqrt).
 *
 * @example
 * x = ops.l2Pool(x, 3, 3, { square: 'power2_3b', pool: 'average_pooling2d', scaled: 'mult9_3b', sqrt: 'sqrt_3b' });
 */
export interface L2PoolNames {
  square?: string;
  pool?: string;
  scaled?: string;
  sqrt?: string;
}

/**
 * The operations the FaceNet-family networks are written in. A network is one generic function over these ops, run
 * either on shapes (to derive the weights it expects and its parameter count, see ShapeOps) or on tensors (TensorOps).
 * `name` arguments are Keras layer names; they key weights (for layers with weights) and intermediate outputs.
 *
 * @example
 * const graph = <T>(o: Ops<T>, x: T): T => o.l2Normalize(o.dense(o.flatten(o.relu(x)), 'dense', 128, true));
 */
export interface Ops<T> {
  convBn(x: T, o: ConvBnOptions): T;
  conv(x: T, name: string, o: ConvOptions): T;
  relu(x: T, name?: string): T;
  /** MaxPooling2D, valid. */
  maxPool(x: T, size: number, strides: number, name?: string): T;
  /** AveragePooling2D, valid. */
  avgPool(x: T, size: number, strides: number, name?: string): T;
  zeroPad(x: T, padding: Padding2D, name?: string): T;
  concat(xs: T[], name?: string): T;
  /**
   * `x + scale * y`, then ReLU when `names.relu` names the activation layer (Inception-ResNet residual: Keras
   * `Lambda` scale, `Add`, `Activation`).
   */
  residual(x: T, y: T, scale: number, names?: ResidualNames): T;
  /** tf.nn.lrn with TF's semantics (alpha not divided by the window size). */
  lrn(x: T, name: string, p: { depthRadius: number; bias: number; alpha: number; beta: number }): T;
  /** OpenFace's L2 pooling: sqrt(9 · AvgPool(size, strides)(x²)), four Keras layers. */
  l2Pool(x: T, size: number, strides: number, names?: L2PoolNames): T;
  globalAvgPool(x: T, name?: string): T;
  /** Dropout: the identity at inference (and in facekit's training, which runs the network in inference mode). */
  dropout(x: T, name?: string): T;
  flatten(x: T, name?: string): T;
  dense(x: T, name: string, units: number, bias: boolean): T;
  /** BatchNormalization on its own (rank 2 here: Keras uses the plain, unclamped epsilon). */
  bn(x: T, name: string, eps: number, scale: boolean): T;
  l2Normalize(x: T, name?: string): T;
}

/**
 * A network written over Ops: its input size, output dimension and graph.
 *
 * @example
 * const tiny: NetworkDefinition = {
 *   name: 'tiny', inputSize: [8, 8], outputDim: 4, normalized: true,
 *   graph: (o, x) => o.l2Normalize(o.dense(o.flatten(x), 'dense', 4, true)),
 * };
 */
export interface NetworkDefinition {
  name: string;
  inputSize: [number, number];
  outputDim: number;
  /** Whether the network L2-normalises its output itself. */
  normalized: boolean;
  graph<T>(ops: Ops<T>, input: T): T;
}

/**
 * tf.keras auto-names for unnamed layers: `activation`, `activation_1`, ... in creation order (one counter per
 * base name), so a network written in creation order gets the names Keras saved its weights and layers under.
 *
 * @example
 * const auto = kerasAutoNamer();
 * auto('lambda'); // 'lambda'
 * auto('lambda'); // 'lambda_1'
 */
export function kerasAutoNamer(): (base: string) => string {
  const counts = new Map<string, number>();
  return (base) => {
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  };
}

const pair = (k: number | [number, number]): [number, number] => (typeof k === 'number' ? [k, k] : k);
export { pair as kernelPair };

/** A conv+BN pair to fold for inference. */
export interface FoldSpec {
  conv: string;
  bn: string;
  eps: number;
  scale: boolean;
  bias: boolean;
}

/**
 * Ops over per-example shapes ([h, w, c] or [c]): records the weights every layer expects (in Keras order), which
 * conv+BN pairs can be folded, and the layer names that can be tapped, without any tensor.
 *
 * @example
 * const ops = new ShapeOps();
 * openfaceNetwork.graph(ops, [96, 96, 3]); // [128]
 * ops.expected.length; // layers with weights, in Keras order
 */
export class ShapeOps implements Ops<number[]> {
  readonly expected: ExpectedLayer[] = [];
  readonly folds: FoldSpec[] = [];
  readonly names = new Set<string>();

  private add(layer: string, weights: [string, number[]][]): void {
    if (this.names.has(layer)) throw new FaceKitError('E_CONFIG', `network definition: duplicate layer name ${layer}`);
    this.names.add(layer);
    if (weights.length) this.expected.push({ layer, weights: weights.map(([name, shape]) => ({ name, shape })) });
  }

  private tap(name?: string): void {
    if (name) this.add(name, []);
  }

  private convShape(x: number[], o: ConvOptions): number[] {
    const [kh, kw] = pair(o.kernel);
    const s = o.strides ?? 1;
    const out = (n: number, k: number) => (o.padding === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1);
    return [out(x[0], kh), out(x[1], kw), o.filters];
  }

  private convWeights(x: number[], o: ConvOptions): [string, number[]][] {
    const [kh, kw] = pair(o.kernel);
    const w: [string, number[]][] = [['kernel', [kh, kw, x[2], o.filters]]];
    if (o.bias) w.push(['bias', [o.filters]]);
    return w;
  }

  private bnWeights(c: number, scale: boolean): [string, number[]][] {
    const w: [string, number[]][] = scale ? [['gamma', [c]]] : [];
    return [...w, ['beta', [c]], ['moving_mean', [c]], ['moving_variance', [c]]];
  }

  convBn(x: number[], o: ConvBnOptions): number[] {
    this.add(o.conv, this.convWeights(x, o));
    this.add(o.bn, this.bnWeights(o.filters, o.scale));
    this.tap(o.act);
    this.folds.push({ conv: o.conv, bn: o.bn, eps: o.eps, scale: o.scale, bias: o.bias });
    return this.convShape(x, o);
  }
  conv(x: number[], name: string, o: ConvOptions): number[] {
    this.add(name, this.convWeights(x, o));
    return this.convShape(x, o);
  }
  relu(x: number[], name?: string): number[] {
    this.tap(name);
    return x;
  }
  maxPool(x: number[], size: number, strides: number, name?: string): number[] {
    this.tap(name);
    return [Math.floor((x[0] - size) / strides) + 1, Math.floor((x[1] - size) / strides) + 1, x[2]];
  }
  avgPool(x: number[], size: number, strides: number, name?: string): number[] {
    return this.maxPool(x, size, strides, name);
  }
  zeroPad(x: number[], [[t, b], [l, r]]: Padding2D, name?: string): number[] {
    this.tap(name);
    return [x[0] + t + b, x[1] + l + r, x[2]];
  }
  concat(xs: number[][], name?: string): number[] {
    this.tap(name);
    const [h, w] = xs[0];
    if (xs.some((s) => s[0] !== h || s[1] !== w))
      throw new FaceKitError(
        'E_CONFIG',
        `network definition: concat ${name}: spatial sizes differ ${JSON.stringify(xs)}`,
      );
    return [h, w, xs.reduce((a, s) => a + s[2], 0)];
  }
  residual(x: number[], y: number[], _scale: number, names: ResidualNames = {}): number[] {
    this.tap(names.scaled);
    this.tap(names.sum);
    this.tap(names.relu);
    if (x.join() !== y.join())
      throw new FaceKitError('E_CONFIG', `network definition: residual ${names.sum}: shapes differ ${x} vs ${y}`);
    return x;
  }
  lrn(x: number[], name: string): number[] {
    this.tap(name);
    return x;
  }
  l2Pool(x: number[], size: number, strides: number, names: L2PoolNames = {}): number[] {
    this.tap(names.square);
    this.tap(names.pool);
    this.tap(names.scaled);
    return this.maxPool(x, size, strides, names.sqrt);
  }
  globalAvgPool(x: number[], name?: string): number[] {
    this.tap(name);
    return [x[2]];
  }
  dropout(x: number[], name?: string): number[] {
    this.tap(name);
    return x;
  }
  flatten(x: number[], name?: string): number[] {
    this.tap(name);
    return [x.reduce((a, b) => a * b, 1)];
  }
  dense(x: number[], name: string, units: number, bias: boolean): number[] {
    this.add(
      name,
      bias
        ? [
            ['kernel', [x[0], units]],
            ['bias', [units]],
          ]
        : [['kernel', [x[0], units]]],
    );
    return [units];
  }
  bn(x: number[], name: string, _eps: number, scale: boolean): number[] {
    this.add(name, this.bnWeights(x[x.length - 1], scale));
    return x;
  }
  l2Normalize(x: number[], name?: string): number[] {
    this.tap(name);
    return x;
  }
}

/**
 * Runs a network over shapes: the weights it expects, its conv+BN pairs and its output shape.
 *
 * @example
 * const { output, expected, folds } = describeNetwork(inceptionResnetV1(512)); // output: [512]
 */
export function describeNetwork(def: NetworkDefinition): ShapeOps & { output: number[] } {
  const ops = new ShapeOps();
  const output = def.graph(ops, [...def.inputSize, 3]);
  return Object.assign(ops, { output });
}
