import { FaceKitError, graphModelHandler, isFaceKitError, type ModelContext } from '@facekit/core';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * Loads a bundled graph model and checks that it takes square RGB faces of the embedder's input size; a file that
 * does not load or has another input is E_WEIGHTS_FORMAT. `handler` replaces the plain file handler (e.g. to repair
 * the topology on load).
 *
 * @example
 * const model = await loadFaceGraphModel(ctx, 'faceres.json', 224);
 */
export async function loadFaceGraphModel(
  ctx: ModelContext,
  file: string,
  inputSize: number,
  handler: tf.io.IOHandler = graphModelHandler(ctx.files, file),
): Promise<GraphModel> {
  let model: GraphModel;
  try {
    model = await loadGraphModel(handler);
  } catch (cause) {
    if (isFaceKitError(cause)) throw cause;
    throw new FaceKitError('E_WEIGHTS_FORMAT', `${file} could not be loaded as a graph model`, { cause });
  }
  const shape = model.inputs[0]?.shape ?? [];
  const s = inputSize;
  if (shape.length !== 4 || shape[1] !== s || shape[2] !== s || shape[3] !== 3) {
    model.dispose();
    throw new FaceKitError('E_WEIGHTS_FORMAT', `${file}: expected input [batch, ${s}, ${s}, 3], got [${shape}]`);
  }
  return model;
}
