import { FaceKitError } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type KerasWeight, KerasWeightsFile, type KerasWeightsSource, openKerasWeights } from './keras-h5.js';

/**
 * One weight a model expects: its Keras short name (`kernel`, `bias`, `gamma`, `beta`, `moving_mean`, ...) and shape.
 *
 * @example
 * const bias: ExpectedWeight = { name: 'bias', shape: [64] };
 */
export interface ExpectedWeight {
  name: string;
  shape: number[];
}

/**
 * The weights a model expects for one layer, in Keras order.
 *
 * @example
 * const conv1: ExpectedLayer = { layer: 'conv1', weights: [{ name: 'kernel', shape: [7, 7, 3, 64] }, { name: 'bias', shape: [64] }] };
 */
export interface ExpectedLayer {
  layer: string;
  weights: ExpectedWeight[];
}

/**
 * Weights per layer name, in Keras order; the caller owns (and disposes) the tensors.
 *
 * @example
 * const weights: LayerWeights = await loadKerasWeights(bytes, expected);
 * const [kernel, bias] = weights.get('conv1')!;
 */
export type LayerWeights = Map<string, tf.Tensor[]>;

/**
 * Options of the checks that match a file's weights to a model's expected layers.
 *
 * @example
 * const weights = await loadKerasWeights(bytes, expected, { checkNames: false } satisfies AssignOptions);
 */
export interface AssignOptions {
  /**
   * Also compare each stored weight's short name (`conv1/kernel:0` → `kernel`) with the expected one. On by default:
   * it catches e.g. a BatchNorm stored without `gamma` whose remaining weights have the same shapes.
   */
  checkNames?: boolean;
}

/**
 * `conv1/kernel:0` → `kernel`.
 *
 * @example
 * shortWeightName('conv1/kernel:0'); // 'kernel'
 */
export function shortWeightName(stored: string): string {
  const last = stored.slice(stored.lastIndexOf('/') + 1);
  return last.replace(/:\d+$/, '');
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Checks that the file holds every expected layer with the expected weights and shapes, reading no data.
 * Throws `E_WEIGHTS_FORMAT` naming the first layer that is missing or differs.
 *
 * @example
 * const kf = await openKerasWeights(bytes);
 * checkKerasWeights(kf, expected); // E_WEIGHTS_FORMAT naming the first mismatching layer
 */
export function checkKerasWeights(
  file: KerasWeightsFile,
  expected: readonly ExpectedLayer[],
  options: AssignOptions = {},
) {
  const checkNames = options.checkNames ?? true;
  for (const { layer, weights } of expected) {
    if (weights.length === 0) continue;
    if (!file.has(layer)) {
      throw new FaceKitError(
        'E_WEIGHTS_FORMAT',
        `${file.label}: layer '${layer}' is missing (is this the weights file of another model?)`,
        { details: { layer } },
      );
    }
    const stored = file.info(layer);
    if (stored.length !== weights.length) {
      throw new FaceKitError(
        'E_WEIGHTS_FORMAT',
        `${file.label}: layer '${layer}' has ${stored.length} weights, the model expects ${weights.length} ` +
          `(${weights.map((w) => w.name).join(', ')})`,
        { details: { layer } },
      );
    }
    weights.forEach((w, i) => {
      const s = stored[i];
      if (checkNames && shortWeightName(s.name) !== w.name) {
        throw new FaceKitError(
          'E_WEIGHTS_FORMAT',
          `${file.label}: layer '${layer}': weight ${i} is '${s.name}', the model expects '${w.name}'`,
          { details: { layer, weight: s.name } },
        );
      }
      if (!sameShape(s.shape, w.shape)) {
        throw new FaceKitError(
          'E_WEIGHTS_FORMAT',
          `${file.label}: layer '${layer}': weight '${s.name}' has shape [${s.shape}], the model expects [${w.shape}]`,
          { details: { layer, weight: s.name, shape: s.shape, expected: w.shape } },
        );
      }
    });
  }
}

/**
 * Validates the whole file against the model first (no data read), then reads the expected layers one at a time and
 * hands each to `assign`, so a caller can turn it into tensors and drop the arrays. Layers of the file the model
 * does not expect are ignored (as Keras' `load_weights(by_name=True)` does).
 *
 * @example
 * assignKerasWeights(kf, expected, (layer, ws) => map.set(layer, ws.map((w) => tf.tensor(w.data, w.shape))));
 */
export function assignKerasWeights(
  file: KerasWeightsFile,
  expected: readonly ExpectedLayer[],
  assign: (layer: string, weights: KerasWeight[]) => void,
  options: AssignOptions = {},
): void {
  checkKerasWeights(file, expected, options);
  for (const { layer, weights } of expected) {
    if (weights.length > 0) assign(layer, file.readLayer(layer).weights);
  }
}

/**
 * Opens a Keras `save_weights` file (bytes or an opened h5wasm File), checks it against the model's expected layers
 * and returns their tensors (float32), reading one layer at a time. The caller owns the tensors.
 * A wrong, truncated or mis-shaped file is `E_WEIGHTS_FORMAT` naming the layer; no tensor is left behind on error.
 *
 * @example
 * const weights = await loadKerasWeights(bytes, [{ layer: 'conv1', weights: [{ name: 'kernel', shape: [7, 7, 3, 64] }, { name: 'bias', shape: [64] }] }]);
 * weights.get('conv1'); // [kernel, bias]
 */
export async function loadKerasWeights(
  source: KerasWeightsSource | KerasWeightsFile,
  expected: readonly ExpectedLayer[],
  options: AssignOptions & { label?: string } = {},
): Promise<LayerWeights> {
  const owned = !(source instanceof KerasWeightsFile);
  const file = source instanceof KerasWeightsFile ? source : await openKerasWeights(source, { label: options.label });
  const out: LayerWeights = new Map();
  try {
    assignKerasWeights(
      file,
      expected,
      (layer, ws) =>
        out.set(
          layer,
          ws.map((w) => tf.tensor(w.data, w.shape, 'float32')),
        ),
      options,
    );
    return out;
  } catch (e) {
    disposeLayerWeights(out);
    throw e;
  } finally {
    if (owned) file.close();
  }
}

/**
 * Disposes every tensor of a LayerWeights map and clears it.
 *
 * @example
 * const weights = await loadKerasWeights(bytes, expected);
 * // ... build the model ...
 * disposeLayerWeights(weights);
 */
export function disposeLayerWeights(weights: LayerWeights): void {
  for (const ts of weights.values()) tf.dispose(ts);
  weights.clear();
}

/**
 * Number of parameters the expected layers describe (Keras' count, BN moving statistics included).
 *
 * @example
 * countParameters([{ layer: 'dense', weights: [{ name: 'kernel', shape: [128, 10] }, { name: 'bias', shape: [10] }] }]); // 1290
 */
export function countParameters(expected: readonly ExpectedLayer[]): number {
  let n = 0;
  for (const l of expected) for (const w of l.weights) n += w.shape.reduce((a, b) => a * b, 1);
  return n;
}
