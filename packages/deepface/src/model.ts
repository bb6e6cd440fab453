import * as tf from '@tensorflow/tfjs-core';
import { FaceKitError } from '@facekit/core';
import {
  type DeepFaceConfig,
  deepFaceLayers,
  type LayerInfo,
  type LayerName,
  parameterCount,
  resolveConfig,
  type WeightedLayerName,
} from './architecture.js';
import { conv2dReluValid } from './conv.js';
import { locallyConnected2d } from './locally-connected.js';

/**
 * Kernel and bias of one layer, Keras layouts (tensors or `tf.Variable`s).
 *
 * @example
 * const c1: LayerWeights = initLayer(layer, 1, 'C1'); // { kernel, bias }
 */
export interface LayerWeights {
  kernel: tf.Tensor;
  bias: tf.Tensor;
}

/**
 * Weights by Keras layer name. F8 is needed only for the classifier output.
 *
 * @example
 * const weights: DeepFaceWeights = { F7: { kernel, bias } };
 */
export type DeepFaceWeights = Partial<Record<WeightedLayerName, LayerWeights>>;

/**
 * The layers whose output {@link DeepFaceModel.forward} can return; `F8` is the pre-softmax logits.
 *
 * @example
 * const outputs: OutputName[] = ['L6', 'F7'];
 */
export type OutputName = Exclude<LayerName, 'F0' | 'D0'>;

/**
 * Options of `DeepFaceModel.forward`: which layer outputs to return, and training-mode dropout.
 *
 * @example
 * const { F7, F8 } = model.forward(x, { outputs: ['F7', 'F8'] } satisfies ForwardOptions);
 */
export interface ForwardOptions {
  /** Which layer outputs to return (default `['F7']`); `F8` returns logits (softmax not applied). */
  outputs?: OutputName[];
  /** Apply D0 (dropout on F7 before F8) and skip C1's input gradient, which training never uses. Default false. */
  training?: boolean;
  /** Seed of the dropout mask. */
  seed?: number;
}

/** Shapes the weights must have, by layer: the Keras layouts of {@link deepFaceLayers}. */
function expectedShapes(config: DeepFaceConfig): Map<WeightedLayerName, { kernel: number[]; bias: number[] }> {
  const m = new Map<WeightedLayerName, { kernel: number[]; bias: number[] }>();
  for (const l of deepFaceLayers(config)) if (l.weights) m.set(l.name as WeightedLayerName, l.weights);
  return m;
}

let variableScope = 0;
/** A variable-name prefix no other model uses (tfjs variable names are global). */
export function uniqueVariablePrefix(): string {
  variableScope += 1;
  return `deepface${variableScope}`;
}

const INIT_SEED_OFFSET: Record<WeightedLayerName, number> = { C1: 0, C3: 1, L4: 2, L5: 3, L6: 4, F7: 5, F8: 6 };

/**
 * Fresh trainable weights of one layer: He-normal kernels for the ReLU layers (fan-in = kh·kw·in) with each filter's
 * mean removed, Glorot-uniform for the F8 softmax, zero biases. Variables are named `${prefix}/${layer}/kernel`.
 *
 * @example
 * const layer = deepFaceLayers(resolveConfig()).find((l) => l.name === 'C1')!;
 * const { kernel, bias } = initLayer(layer, 1, 'C1');
 */
export function initLayer(layer: LayerInfo, seed: number, prefix: string): LayerWeights {
  if (!layer.weights) throw new FaceKitError('E_CONFIG', `layer ${layer.name} has no weights`);
  const { kernel, bias } = layer.weights;
  const name = layer.name as WeightedLayerName;
  const fanIn = kernel.length === 4 ? kernel[0] * kernel[1] * kernel[2] : kernel[kernel.length - 2];
  const fanOut = kernel[kernel.length - 1];
  const s = seed * 7 + INIT_SEED_OFFSET[name];
  const k = tf.tidy(() => {
    if (name === 'F8') {
      return tf.randomUniform(kernel, -Math.sqrt(6 / (fanIn + fanOut)), Math.sqrt(6 / (fanIn + fanOut)), 'float32', s);
    }
    const r = tf.randomNormal(kernel, 0, Math.sqrt(2 / fanIn), 'float32', s);
    // Zero-sum filters: inputs are all ≥ 0 (pixels in [0, 1], ReLU outputs), so a random filter's response is
    // dominated by the input's mean; removing each filter's mean makes the untrained network respond to structure.
    const axes = kernel.length === 4 ? [0, 1, 2] : kernel.length === 3 ? [1] : [0];
    return tf.sub(r, tf.mean(r, axes, true));
  });
  const b = tf.zeros(bias);
  const w = {
    kernel: tf.variable(k, true, `${prefix}/${name}/kernel`),
    bias: tf.variable(b, true, `${prefix}/${name}/bias`),
  };
  // A variable shares its initial tensor's data (ref-counted): dropping our handles frees nothing.
  tf.dispose([k, b]);
  return w;
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * The DeepFace network (Taigman et al. 2014; deepface's Keras `FbDeepFace`): C1 conv → M2 max-pool → C3 conv →
 * L4/L5/L6 locally connected → F7 dense (the representation) → D0 dropout → F8 softmax. Holds its weights; the
 * caller disposes it.
 *
 * Input: [n, h, w, 3] float32 RGB in [0, 1] (8-bit / 255), h×w = `config.inputSize`.
 *
 * @example
 * const net = DeepFaceModel.random({ ...DEEPFACE_CONFIG, classes: 0 });
 * const f7 = net.predict(tf.zeros([1, 152, 152, 3])); // [1, 4096]
 * net.dispose();
 */
export class DeepFaceModel {
  readonly config: DeepFaceConfig;

  constructor(
    config: Partial<DeepFaceConfig>,
    readonly weights: DeepFaceWeights,
  ) {
    this.config = resolveConfig(config);
    for (const [name, shapes] of expectedShapes(this.config)) {
      const w = weights[name];
      if (!w) {
        if (name === 'F8') continue;
        throw new FaceKitError('E_WEIGHTS_FORMAT', `DeepFace: weights of layer ${name} are missing`);
      }
      if (!sameShape(w.kernel.shape, shapes.kernel) || !sameShape(w.bias.shape, shapes.bias)) {
        throw new FaceKitError(
          'E_WEIGHTS_FORMAT',
          `DeepFace: layer ${name} has kernel [${w.kernel.shape}] / bias [${w.bias.shape}], ` +
            `expected [${shapes.kernel}] / [${shapes.bias}]`,
        );
      }
    }
  }

  /**
   * A randomly initialised network (He-normal kernels for the ReLU layers, Glorot-uniform F8, zero biases) whose
   * weights are `tf.Variable`s, ready for training.
   */
  static random(config: Partial<DeepFaceConfig> = {}, seed = 1): DeepFaceModel {
    const c = resolveConfig(config);
    const weights: DeepFaceWeights = {};
    const prefix = uniqueVariablePrefix();
    for (const l of deepFaceLayers(c)) {
      if (l.weights) weights[l.name as WeightedLayerName] = initLayer(l, seed, prefix);
    }
    return new DeepFaceModel(c, weights);
  }

  /** Parameters of the weights this model holds (F8 included when present). */
  get parameterCount(): number {
    return parameterCount({ ...this.config, classes: this.weights.F8 ? this.config.classes : 0 });
  }

  /** All weight tensors, `[name, tensor]` with Keras-style names (`L4/kernel`). */
  namedWeights(): Array<[string, tf.Tensor]> {
    const out: Array<[string, tf.Tensor]> = [];
    for (const name of ['C1', 'C3', 'L4', 'L5', 'L6', 'F7', 'F8'] as const) {
      const w = this.weights[name];
      if (w) out.push([`${name}/kernel`, w.kernel], [`${name}/bias`, w.bias]);
    }
    return out;
  }

  /**
   * Runs the network and returns the requested layer outputs (NHWC for the spatial layers).
   * The caller disposes the returned tensors.
   */
  forward(x: tf.Tensor4D, options: ForwardOptions = {}): Partial<Record<OutputName, tf.Tensor>> {
    const c = this.config;
    const [, h, w, ch] = x.shape;
    if (x.rank !== 4 || h !== c.inputSize[0] || w !== c.inputSize[1] || ch !== 3) {
      throw new FaceKitError(
        'E_INPUT',
        `DeepFace expects [n, ${c.inputSize[0]}, ${c.inputSize[1]}, 3], got [${x.shape}]`,
      );
    }
    const wanted = new Set<OutputName>(options.outputs ?? ['F7']);
    if (wanted.has('F8') && !this.weights.F8) {
      throw new FaceKitError('E_CONFIG', 'DeepFace: this model has no F8 (classes: 0); F8 output is unavailable');
    }
    const order: OutputName[] = ['C1', 'M2', 'C3', 'L4', 'L5', 'L6', 'F7', 'F8'];
    const last = Math.max(...[...wanted].map((n) => order.indexOf(n)));
    const W = this.weights as Required<DeepFaceWeights>;
    return tf.tidy(() => {
      const out: Partial<Record<OutputName, tf.Tensor>> = {};
      const keep = (name: OutputName, t: tf.Tensor) => {
        if (wanted.has(name)) out[name] = t;
        return order.indexOf(name) >= last;
      };
      const conv = (t: tf.Tensor4D, lw: LayerWeights, inputGradient = true) =>
        conv2dReluValid(t, lw.kernel as tf.Tensor4D, lw.bias, { inputGradient });
      const local = (t: tf.Tensor4D, lw: LayerWeights, s: { kernel: number; stride?: number }) =>
        locallyConnected2d(t, lw.kernel as tf.Tensor3D, lw.bias as tf.Tensor3D, {
          kernelSize: [s.kernel, s.kernel],
          strides: [s.stride ?? 1, s.stride ?? 1],
          activation: 'relu',
        });
      // Training never needs dL/d(image): let C1 skip it.
      let t: tf.Tensor4D = conv(tf.cast(x, 'float32'), W.C1, !options.training);
      if (keep('C1', t)) return out;
      // tfjs 'same' pooling pads like TF (extra row/column at the bottom/right) and never picks padded cells.
      t = tf.maxPool(t, 3, 2, 'same');
      if (keep('M2', t)) return out;
      t = conv(t, W.C3);
      if (keep('C3', t)) return out;
      t = local(t, W.L4, c.l4);
      if (keep('L4', t)) return out;
      t = local(t, W.L5, c.l5);
      if (keep('L5', t)) return out;
      t = local(t, W.L6, c.l6);
      if (keep('L6', t)) return out;
      // F0: channels-last flatten, index (r*cols + c)*channels + ch, as Keras' Flatten on NHWC.
      let f = tf.reshape(t, [t.shape[0], -1]) as tf.Tensor2D;
      f = tf.fused.matMul({ a: f, b: W.F7.kernel as tf.Tensor2D, bias: W.F7.bias, activation: 'relu' }) as tf.Tensor2D;
      if (keep('F7', f)) return out;
      if (options.training && c.dropout > 0) f = tf.dropout(f, c.dropout, undefined, options.seed) as tf.Tensor2D;
      out.F8 = tf.add(tf.matMul(f, W.F8.kernel as tf.Tensor2D), W.F8.bias);
      return out;
    });
  }

  /**
   * The F7 representation [n, f7] of a batch in [0, 1].
   *
   * @example
   * const f7 = net.predict(batch01); // Tensor2D [n, 4096]
   */
  predict(x: tf.Tensor4D): tf.Tensor2D {
    return this.forward(x).F7 as tf.Tensor2D;
  }

  dispose(): void {
    for (const [, t] of this.namedWeights()) t.dispose();
  }
}
