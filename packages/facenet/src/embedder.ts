import { type Embedder, FaceKitError, loadModelContextWeights, type ModelContext } from '@facekit/core';
import type { KerasWeightsFile, KerasWeightsSource } from '@facekit/keras';
import * as tf from '@tensorflow/tfjs-core';
import { FaceNetwork, type NetworkOptions } from './network.js';
import type { NetworkDefinition } from './graph.js';

/**
 * Turns aligned faces [n, h, w, 3] (0..255) into the network's input.
 *
 * @example
 * const preprocess: Preprocess = prewhiten; // or scaleToUnit, or (faces) => tf.div(faces, 127.5)
 */
export type Preprocess = (faces: tf.Tensor4D) => tf.Tensor4D;

/**
 * An Embedder over a FaceNetwork: resizes faces to the network's input size when they differ (bilinear), applies the
 * network's preprocessing, runs it and returns one Float32Array per face.
 *
 * @example
 * const e = new NetworkEmbedder('openface', await FaceNetwork.load(openfaceNetwork, bytes), scaleToUnit);
 * const [v] = await e.embed(faces); // faces: [n, 96, 96, 3] 0..255
 */
export class NetworkEmbedder implements Embedder {
  readonly dim: number;

  constructor(
    readonly name: string,
    readonly network: FaceNetwork,
    private readonly preprocess: Preprocess,
  ) {
    this.dim = network.definition.outputDim;
  }

  async embed(faces: tf.Tensor4D): Promise<Float32Array[]> {
    if (faces.rank !== 4 || faces.shape[3] !== 3) {
      throw new FaceKitError('E_INPUT', `${this.name}: expected faces [n, h, w, 3], got [${faces.shape}]`);
    }
    const n = faces.shape[0];
    if (n === 0) return [];
    const [h, w] = this.network.definition.inputSize;
    const out = tf.tidy(() => {
      let x: tf.Tensor4D = tf.cast(faces, 'float32');
      if (x.shape[1] !== h || x.shape[2] !== w) x = tf.image.resizeBilinear(x, [h, w], false, true);
      return this.network.predict(this.preprocess(x));
    });
    try {
      const data = (await out.data()) as Float32Array;
      return Array.from({ length: n }, (_, i) => data.slice(i * this.dim, (i + 1) * this.dim));
    } finally {
      out.dispose();
    }
  }

  dispose(): void {
    this.network.dispose();
  }
}

/**
 * Where the embedder's weights come from: the platform's weights store (`ctx.weightsPath` → cache → download, see
 * core's `loadModelContextWeights`), else `ctx.readFile(ctx.weightsPath)`, else E_WEIGHTS_MISSING saying what to do.
 *
 * @example
 * const { source, label } = await resolveWeights('openface', ctx, "deepface's openface_weights.h5");
 */
export async function resolveWeights(
  name: string,
  ctx: ModelContext,
  hint: string,
): Promise<{ source: KerasWeightsSource | KerasWeightsFile; label: string }> {
  const { bytes, label } = await loadModelContextWeights(ctx, name, hint);
  return { source: bytes, label };
}

/**
 * Creates a NetworkEmbedder from the context's weights.
 *
 * @example
 * const hint = "deepface's openface_weights.h5";
 * const e = await createNetworkEmbedder('openface', openfaceNetwork, scaleToUnit, ctx, hint);
 */
export async function createNetworkEmbedder(
  name: string,
  definition: NetworkDefinition,
  preprocess: Preprocess,
  ctx: ModelContext,
  hint: string,
  options: NetworkOptions = {},
): Promise<NetworkEmbedder> {
  const { source, label } = await resolveWeights(name, ctx, hint);
  const network = await FaceNetwork.load(definition, source, { ...options, label });
  return new NetworkEmbedder(name, network, preprocess);
}
