import { FaceKitError } from '@facekit/core';
import {
  type ExpectedLayer,
  type KerasWeightsFile,
  type KerasWeightsSource,
  type LayerWeights,
  countParameters,
  disposeLayerWeights,
  exportTfjsWeights,
  loadModelWeights,
  packTfjsWeights,
} from '@facekit/keras';
import * as tf from '@tensorflow/tfjs-core';
import { type FoldSpec, type NetworkDefinition, describeNetwork } from './graph.js';
import { type FoldedConv, TensorOps, foldConvBn } from './tensor-ops.js';

/**
 * How a FaceNetwork holds its weights: conv+BN folded for speed, optionally keeping the originals.
 *
 * @example
 * const net = await FaceNetwork.load(openfaceNetwork, bytes, { keepWeights: true }); // intermediates of 'bn1' work
 */
export interface NetworkOptions {
  /**
   * Fold each conv+BatchNorm pair into one fused conv for inference (default true). Numerically equivalent within
   * float32 noise, and faster.
   */
  fold?: boolean;
  /**
   * Keep the original (unfolded) weights when folding (default false, to halve memory). Needed to read
   * intermediate outputs of a folded conv or BN layer, and to export the weights.
   */
  keepWeights?: boolean;
}

/**
 * The weights a network definition expects, per Keras layer (derived from the code, no file needed).
 *
 * @example
 * expectedWeights(openfaceNetwork)[0]; // { layer: 'conv1', weights: [{ name: 'kernel', shape: [7, 7, 3, 64] }, ...] }
 */
export function expectedWeights(def: NetworkDefinition): ExpectedLayer[] {
  return describeNetwork(def).expected;
}

/**
 * A FaceNet-family network with its weights, ready for inference: `predict` takes preprocessed NHWC float32 input of
 * the definition's input size and returns [n, outputDim].
 *
 * @example
 * const net = await FaceNetwork.load(openfaceNetwork, h5Bytes);
 * const out = net.predict(tf.zeros([1, 96, 96, 3])); // [1, 128]
 * out.dispose(); net.dispose();
 */
export class FaceNetwork {
  readonly expected: ExpectedLayer[];
  /** Keras parameter count (BN moving statistics included). */
  readonly parameterCount: number;
  /** Layer names whose outputs `intermediates` can return. */
  readonly layerNames: ReadonlySet<string>;
  private readonly folds: FoldSpec[];
  private folded?: Map<string, FoldedConv>;
  private disposed = false;

  /** Takes ownership of `weights` (already checked against the definition, e.g. by `FaceNetwork.load`). */
  constructor(
    readonly definition: NetworkDefinition,
    private readonly weights: LayerWeights,
    options: NetworkOptions = {},
  ) {
    const d = describeNetwork(definition);
    this.expected = d.expected;
    this.folds = d.folds;
    this.layerNames = d.names;
    this.parameterCount = countParameters(d.expected);
    assertWeights(definition.name, d.expected, weights);
    if (options.fold ?? true) {
      this.folded = foldConvBn(weights, this.folds);
      if (!options.keepWeights) {
        for (const f of this.folds) {
          tf.dispose([...(weights.get(f.conv) ?? []), ...(weights.get(f.bn) ?? [])]);
          weights.delete(f.conv);
          weights.delete(f.bn);
        }
      }
    }
  }

  /**
   * Loads the weights (Keras `.h5` bytes / h5wasm File / KerasWeightsFile, or a packed facekit tfjs weights file)
   * by layer name, checking every shape: a wrong file is `E_WEIGHTS_FORMAT` naming the layer.
   */
  static async load(
    definition: NetworkDefinition,
    source: KerasWeightsSource | KerasWeightsFile,
    options: NetworkOptions & { label?: string } = {},
  ): Promise<FaceNetwork> {
    const weights = await loadModelWeights(source, expectedWeights(definition), {
      label: options.label ?? `${definition.name} weights`,
    });
    try {
      return new FaceNetwork(definition, weights, options);
    } catch (e) {
      disposeLayerWeights(weights);
      throw e;
    }
  }

  private run(x: tf.Tensor4D, wanted?: ReadonlySet<string>): { out: tf.Tensor2D; taps: Map<string, tf.Tensor> } {
    if (this.disposed) throw new FaceKitError('E_INPUT', `${this.definition.name} network is disposed`);
    const [h, w] = this.definition.inputSize;
    if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== 3) {
      throw new FaceKitError('E_INPUT', `${this.definition.name} expects [n, ${h}, ${w}, 3], got [${x.shape}]`);
    }
    const ops = new TensorOps(this.weights, this.folded, wanted);
    const out = tf.tidy(() => this.definition.graph(ops, tf.cast(x, 'float32')) as tf.Tensor2D);
    return { out, taps: ops.taps };
  }

  /** Runs the network on preprocessed input [n, h, w, 3]; the caller disposes the result. */
  predict(x: tf.Tensor4D): tf.Tensor2D {
    return this.run(x).out;
  }

  /**
   * Runs the network and also returns the outputs of the named layers (Keras names, e.g. `bn1`, `Mixed_6a`), for
   * finding where an implementation diverges. The caller disposes everything returned.
   */
  intermediates(x: tf.Tensor4D, names: string[]): { output: tf.Tensor2D; layers: Map<string, tf.Tensor> } {
    for (const n of names) {
      if (!this.layerNames.has(n)) throw new FaceKitError('E_INPUT', `${this.definition.name} has no layer '${n}'`);
      const inFold = this.folds.find((f) => f.conv === n || f.bn === n);
      if (inFold && !this.weights.has(inFold.conv)) {
        throw new FaceKitError('E_CONFIG', `layer '${n}' was folded; create the network with { keepWeights: true }`);
      }
    }
    const { out, taps } = this.run(x, new Set(names));
    return { output: out, layers: taps };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeLayerWeights(this.weights);
    for (const f of this.folded?.values() ?? []) tf.dispose([f.filter, f.bias]);
    this.folded?.clear();
  }
}

/**
 * Converts a network's Keras `.h5` weights into facekit's packed tfjs weights file (`FKW1`), which loads with a
 * single decode. Everything is checked against the network first.
 *
 * @example
 * await writeFile('facenet.fkw', await convertWeights(inceptionResnetV1(128), await readFile('facenet_weights.h5')));
 */
export async function convertWeights(
  definition: NetworkDefinition,
  source: KerasWeightsSource | KerasWeightsFile,
): Promise<Uint8Array> {
  const weights = await loadModelWeights(source, expectedWeights(definition));
  try {
    return packTfjsWeights(await exportTfjsWeights(weights, { model: definition.name }));
  } finally {
    disposeLayerWeights(weights);
  }
}

function assertWeights(name: string, expected: ExpectedLayer[], weights: LayerWeights): void {
  for (const { layer, weights: ws } of expected) {
    const got = weights.get(layer);
    const ok = got && got.length === ws.length && ws.every((w, i) => got[i].shape.join() === w.shape.join());
    if (!ok) {
      throw new FaceKitError('E_WEIGHTS_FORMAT', `${name}: weights of layer '${layer}' are missing or mis-shaped`, {
        details: { layer },
      });
    }
  }
}
