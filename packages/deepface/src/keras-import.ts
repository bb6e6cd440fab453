import type * as tf from '@tensorflow/tfjs-core';
import {
  disposeLayerWeights,
  type ExpectedLayer,
  type KerasWeightsFile,
  type KerasWeightsSource,
  loadModelWeights,
} from '@facekit/keras';
import { type DeepFaceConfig, deepFaceLayers, resolveConfig, type WeightedLayerName } from './architecture.js';
import { DeepFaceModel, type DeepFaceWeights } from './model.js';

/**
 * The weights the network expects, by Keras layer name and in Keras order (kernel, bias), for `@facekit/keras`.
 * Without F8 unless `includeF8` (the representation stops at F7; F8 of the published file is 141 MB).
 *
 * @example
 * deepFaceExpectedLayers()[2]; // { layer: 'L4', weights: [{ name: 'kernel', shape: [3025, 1296, 16] }, …] }
 */
export function deepFaceExpectedLayers(config: Partial<DeepFaceConfig> = {}, includeF8 = false): ExpectedLayer[] {
  const c = resolveConfig(config);
  return deepFaceLayers(c)
    .filter((l) => l.weights && (includeF8 || l.name !== 'F8'))
    .map((l) => ({
      layer: l.name,
      weights: [
        { name: 'kernel', shape: l.weights!.kernel },
        { name: 'bias', shape: l.weights!.bias },
      ],
    }));
}

/**
 * Options of `loadDeepFaceKeras`.
 *
 * @example
 * const net = await loadDeepFaceKeras(h5Bytes, { includeF8: true } satisfies LoadDeepFaceOptions);
 */
export interface LoadDeepFaceOptions {
  /** Network sizes (default: the published DeepFace). */
  config?: Partial<DeepFaceConfig>;
  /** Also load F8 (for fine-tuning the classifier); the model's `classes` must match the file. Default false. */
  includeF8?: boolean;
  /** Name of the source in error messages. */
  label?: string;
}

/**
 * Builds DeepFace from Keras weights: a `save_weights` `.h5` as deepface ships it (bytes, an h5wasm File, or a
 * `KerasWeightsFile` such as `@facekit/keras/node`'s `openKerasWeightsFile(path)`, which reads from disk on demand),
 * or a packed facekit tfjs weights file. Shapes are checked for every layer before any data is read; layers are then
 * read one at a time and turned into tensors, so memory holds the tensors plus one layer in flight, not copies of
 * the whole file. The caller disposes the model.
 *
 * @example
 * const kf = await openKerasWeightsFile('VGGFace2_DeepFace_weights_val-0.9034.h5'); // @facekit/keras/node
 * try { net = await loadDeepFaceKeras(kf); } finally { kf.close(); }
 * const f7 = net.predict(batch01);
 */
export async function loadDeepFaceKeras(
  source: KerasWeightsSource | KerasWeightsFile,
  options: LoadDeepFaceOptions = {},
): Promise<DeepFaceModel> {
  const includeF8 = options.includeF8 ?? false;
  const config = resolveConfig({ ...options.config, ...(includeF8 ? {} : { classes: 0 }) });
  const expected = deepFaceExpectedLayers(config, includeF8);
  const loaded = await loadModelWeights(source, expected, { label: options.label ?? 'DeepFace weights' });
  const weights: DeepFaceWeights = {};
  for (const { layer } of expected) {
    const [kernel, bias] = loaded.get(layer) as [tf.Tensor, tf.Tensor];
    weights[layer as WeightedLayerName] = { kernel, bias };
  }
  try {
    return new DeepFaceModel(config, weights);
  } catch (e) {
    disposeLayerWeights(loaded);
    throw e;
  }
}
