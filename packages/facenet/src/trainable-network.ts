import { FaceKitError } from '@facekit/core';
import {
  type ExpectedLayer,
  type KerasWeightsFile,
  type KerasWeightsSource,
  type LayerWeights,
  disposeLayerWeights,
  exportTfjsWeights,
  loadModelWeights,
  packTfjsWeights,
} from '@facekit/keras';
import * as tf from '@tensorflow/tfjs-core';
import { type NetworkDefinition, ShapeOps } from './graph.js';
import { FaceNetwork, expectedWeights } from './network.js';
import { runHead, runTrunk } from './split-ops.js';
import { TensorOps } from './tensor-ops.js';

/**
 * Where a trainable network's starting weights come from: Keras `.h5` / packed facekit weights, or tensors (copied).
 *
 * @example
 * const weights: InitialWeights = await readFile('openface_weights.h5'); // or a LayerWeights map
 */
export type InitialWeights = KerasWeightsSource | KerasWeightsFile | LayerWeights;

/** BatchNormalization moving statistics: never trained (BN runs in inference mode, see TrainableNetwork). */
const FROZEN_WEIGHTS = new Set(['moving_mean', 'moving_variance']);

let variableScope = 0;

/**
 * Fresh weights for a definition: He-normal conv kernels (fan-in = kh·kw·in), Glorot-normal dense kernels, zero
 * biases, BatchNorm as identity (γ 1, β 0, mean 0, variance 1). Seeded, so a run is reproducible.
 *
 * @example
 * const weights = randomWeights(expectedWeights(openfaceNetwork), 1); // the caller disposes them
 */
export function randomWeights(expected: readonly ExpectedLayer[], seed: number): LayerWeights {
  const out: LayerWeights = new Map();
  let k = 0;
  for (const { layer, weights } of expected) {
    out.set(
      layer,
      weights.map(({ name, shape }) =>
        tf.tidy(() => {
          if (name === 'kernel') {
            const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
            const fanOut = shape[shape.length - 1];
            const std = shape.length === 2 ? Math.sqrt(2 / (fanIn + fanOut)) : Math.sqrt(2 / fanIn);
            return tf.randomNormal(shape, 0, std, 'float32', seed * 10_007 + k++);
          }
          return name === 'gamma' || name === 'moving_variance' ? tf.ones(shape) : tf.zeros(shape);
        }),
      ),
    );
  }
  return out;
}

/**
 * A FaceNet-family network whose weights are tfjs variables, for training. Layers from `trainableFrom` on (Keras
 * order, e.g. `dense_layer` for OpenFace's last layer) are trainable, the trunk before them is frozen. BatchNorm
 * runs in inference mode with its moving statistics frozen (γ and β train): the fine-tuning regime, which also
 * keeps small P×K batches from skewing the statistics. Convs are not folded, so every weight can be trained.
 *
 * @example
 * const net = await TrainableNetwork.create(openfaceNetwork, { weights: h5Bytes, trainableFrom: 'dense_layer' });
 * const emb = net.predict(x); // [n, 128]
 */
export class TrainableNetwork {
  readonly expected: ExpectedLayer[];
  private disposed = false;
  /** The layers from `trainableFrom` on (the head); all of them when nothing is frozen. */
  private readonly headLayers: ReadonlySet<string>;
  private splitShape?: number[] | null;

  private constructor(
    readonly definition: NetworkDefinition,
    private readonly weights: LayerWeights,
    /** `[layer/weight, variable]` of the trainable weights, in Keras order. */
    readonly trainable: Array<[string, tf.Variable]>,
    /** Index (Keras order) of the first trainable layer; 0 when the whole network trains. */
    private readonly start: number,
  ) {
    this.expected = expectedWeights(definition);
    this.headLayers = new Set(this.expected.slice(start).map((l) => l.layer));
  }

  /**
   * Builds the network from initial weights (checked against the definition), or a seeded random init. Tensors
   * passed as `weights` are copied, not taken over.
   */
  static async create(
    definition: NetworkDefinition,
    options: { weights?: InitialWeights; trainableFrom?: string; seed?: number; label?: string } = {},
  ): Promise<TrainableNetwork> {
    const expected = expectedWeights(definition);
    const from = options.trainableFrom;
    const start = from === undefined ? 0 : expected.findIndex((l) => l.layer === from);
    if (start < 0) {
      throw new FaceKitError(
        'E_CONFIG',
        `${definition.name} has no layer with weights named '${from}' (trainableFrom)`,
      );
    }
    const w = options.weights;
    let source: LayerWeights;
    let owned = true;
    if (w instanceof Map) {
      source = w;
      owned = false;
    } else if (w) {
      source = await loadModelWeights(w, expected, { label: options.label ?? `${definition.name} weights` });
    } else source = randomWeights(expected, options.seed ?? 1);
    try {
      variableScope += 1;
      const prefix = `facenet-train${variableScope}`;
      const weights: LayerWeights = new Map();
      const trainable: Array<[string, tf.Variable]> = [];
      try {
        for (const [i, { layer, weights: ws }] of expected.entries()) {
          const got = source.get(layer);
          if (!got || got.length !== ws.length || ws.some((e, j) => got[j].shape.join() !== e.shape.join())) {
            throw new FaceKitError(
              'E_WEIGHTS_FORMAT',
              `initial weights of layer '${layer}' are missing or mis-shaped`,
              {
                details: { layer },
              },
            );
          }
          weights.set(
            layer,
            ws.map((e, j) => {
              const train = i >= start && !FROZEN_WEIGHTS.has(e.name);
              const v = tf.variable(got[j], train, `${prefix}/${layer}/${e.name}`);
              if (train) trainable.push([`${layer}/${e.name}`, v]);
              return v;
            }),
          );
        }
      } catch (e) {
        disposeLayerWeights(weights);
        throw e;
      }
      return new TrainableNetwork(definition, weights, trainable, start);
    } finally {
      if (owned) disposeLayerWeights(source);
    }
  }

  /** Every weight as `[layer/weight, tensor]` in Keras order (what a checkpoint stores). */
  namedWeights(): Array<[string, tf.Tensor]> {
    this.assertLive();
    return this.expected.flatMap(({ layer, weights }) =>
      weights.map((e, j): [string, tf.Tensor] => [`${layer}/${e.name}`, this.weights.get(layer)![j]]),
    );
  }

  /** Overwrites weights by `layer/weight` name (e.g. from a checkpoint); names not in the network are an error. */
  assign(named: Map<string, tf.Tensor>): void {
    const all = new Map(this.namedWeights());
    for (const [name, t] of named) {
      const v = all.get(name) as tf.Variable | undefined;
      if (!v || v.shape.join() !== t.shape.join()) {
        throw new FaceKitError('E_WEIGHTS_FORMAT', `weight '${name}' does not fit ${this.definition.name}`);
      }
      v.assign(t);
    }
  }

  /** The raw network output [n, outputDim] for preprocessed input; recorded on the gradient tape when in one. */
  predict(x: tf.Tensor4D): tf.Tensor2D {
    this.checkInput(x);
    return tf.tidy(() => this.definition.graph(new TensorOps(this.weights), tf.cast(x, 'float32')) as tf.Tensor2D);
  }

  /**
   * The shape of one example's frozen-trunk output ([h, w, c] or [c]) when the network splits cleanly into a frozen
   * trunk and a trainable head: `trainableFrom` froze a prefix, and the head (the graph from the first op that uses a
   * trainable layer on) needs nothing of the trunk but that op's input. Undefined otherwise. Since the trunk is
   * frozen (and BatchNorm runs in inference mode), `head(trunk(x))` equals `predict(x)` and the trunk's output of an
   * image never changes during training, so it can be computed once and cached (what `trainTriplet` does).
   *
   * @example
   * const net = await TrainableNetwork.create(openfaceNetwork, { weights: h5Bytes, trainableFrom: 'dense_layer' });
   * net.trunkShape; // [736]: the flatten output that dense_layer takes
   */
  get trunkShape(): number[] | undefined {
    if (this.splitShape === undefined) {
      this.splitShape = null;
      if (this.start > 0) {
        const input = [...this.definition.inputSize, 3];
        const shape = runTrunk(this.definition, new ShapeOps(), this.headLayers, input);
        try {
          runHead(this.definition, new ShapeOps(), this.headLayers, shape);
          this.splitShape = shape;
        } catch (e) {
          if (!(e instanceof FaceKitError)) throw e;
        }
      }
    }
    return this.splitShape ?? undefined;
  }

  /**
   * The frozen trunk's output [n, ...trunkShape] for preprocessed input (see {@link trunkShape}); E_CONFIG when the
   * network has no clean frozen trunk.
   *
   * @example
   * const features = net.trunk(x); // [n, 736] for OpenFace frozen up to dense_layer
   * const emb = net.head(features); // = net.predict(x)
   */
  trunk(x: tf.Tensor4D): tf.Tensor {
    this.assertSplit();
    this.checkInput(x);
    return tf.tidy(() =>
      runTrunk(this.definition, new TensorOps(this.weights), this.headLayers, tf.cast(x, 'float32') as tf.Tensor),
    );
  }

  /**
   * The trainable head on frozen-trunk outputs [n, ...trunkShape]: the raw network output [n, outputDim], recorded
   * on the gradient tape when in one.
   */
  head(features: tf.Tensor): tf.Tensor2D {
    const shape = this.assertSplit();
    if (features.shape.slice(1).join() !== shape.join()) {
      throw new FaceKitError('E_INPUT', `${this.definition.name} head expects [n, ${shape}], got [${features.shape}]`);
    }
    return tf.tidy(
      () => runHead(this.definition, new TensorOps(this.weights), this.headLayers, features) as tf.Tensor2D,
    );
  }

  /** A copy as an inference FaceNetwork (folded); independent of this one. */
  toFaceNetwork(): FaceNetwork {
    const copy: LayerWeights = new Map([...this.weights].map(([layer, ts]) => [layer, ts.map((t) => tf.clone(t))]));
    return new FaceNetwork(this.definition, copy);
  }

  /** The weights as a packed facekit weights file (`FKW1`), which `FaceNetwork.load` and `--weights` read. */
  async exportWeights(): Promise<Uint8Array> {
    this.assertLive();
    return packTfjsWeights(await exportTfjsWeights(this.weights, { model: this.definition.name }));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeLayerWeights(this.weights);
  }

  private checkInput(x: tf.Tensor4D): void {
    this.assertLive();
    const [h, w] = this.definition.inputSize;
    if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== 3) {
      throw new FaceKitError('E_INPUT', `${this.definition.name} expects [n, ${h}, ${w}, 3], got [${x.shape}]`);
    }
  }

  private assertSplit(): number[] {
    this.assertLive();
    const shape = this.trunkShape;
    if (!shape) throw new FaceKitError('E_CONFIG', `${this.definition.name}: no frozen trunk to split off`);
    return shape;
  }

  private assertLive(): void {
    if (this.disposed) throw new FaceKitError('E_INPUT', `${this.definition.name} network is disposed`);
  }
}
