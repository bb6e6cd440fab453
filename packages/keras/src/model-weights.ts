import { FaceKitError } from '@facekit/core';
import { type AssignOptions, type ExpectedLayer, type LayerWeights, loadKerasWeights } from './assign.js';
import { looksLikeHdf5 } from './hdf5.js';
import { KerasWeightsFile, type KerasWeightsSource } from './keras-h5.js';
import { importTfjsWeights, isPackedTfjsWeights, unpackTfjsWeights } from './tfjs-weights.js';

/**
 * Loads a model's weights from whatever a weights store or `--weights PATH` gives: a Keras `save_weights` `.h5`
 * (bytes or an opened h5wasm File / KerasWeightsFile) or a packed facekit tfjs weights file (`FKW1`).
 * Checks everything against `expected`; the caller owns the returned tensors.
 *
 * @example
 * const weights = await loadModelWeights(await ctx.readFile(path), expectedLayers, { label: path });
 */
export async function loadModelWeights(
  source: KerasWeightsSource | KerasWeightsFile,
  expected: readonly ExpectedLayer[],
  options: AssignOptions & { label?: string } = {},
): Promise<LayerWeights> {
  if (source instanceof KerasWeightsFile) return loadKerasWeights(source, expected, options);
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : source;
  if (!(bytes instanceof Uint8Array)) return loadKerasWeights(source, expected, options);
  if (isPackedTfjsWeights(bytes)) {
    const { json, data } = unpackTfjsWeights(bytes);
    return importTfjsWeights(json, data, expected);
  }
  if (!looksLikeHdf5(bytes)) {
    throw new FaceKitError(
      'E_WEIGHTS_FORMAT',
      `${options.label ?? 'weights file'} is neither a Keras .h5 file nor a packed facekit weights file ` +
        `(${bytes.byteLength} bytes)`,
    );
  }
  return loadKerasWeights(bytes, expected, options);
}
