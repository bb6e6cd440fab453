import { FaceKitError, graphModelHandler, isFaceKitError, type ModelContext } from '@facekit/core';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';

/**
 * Loads a bundled graph model through the platform's file loader and checks its input shape, so that a wrong or
 * damaged file fails here with E_WEIGHTS_FORMAT rather than later with a shape error.
 */
export async function loadBundledGraph(
  ctx: ModelContext,
  modelJson: string,
  inputShape: [number, number, number],
): Promise<GraphModel> {
  let model: GraphModel;
  try {
    model = await loadGraphModel(graphModelHandler(ctx.files, modelJson));
  } catch (cause) {
    if (isFaceKitError(cause)) throw cause;
    throw new FaceKitError('E_WEIGHTS_FORMAT', `${modelJson} could not be loaded as a graph model`, { cause });
  }
  const shape = model.inputs[0]?.shape ?? [];
  if (shape.length !== 4 || shape.slice(1).some((d, i) => d !== inputShape[i])) {
    model.dispose();
    throw new FaceKitError(
      'E_WEIGHTS_FORMAT',
      `${modelJson}: expected input [batch, ${inputShape.join(', ')}], got [${shape.join(', ')}]`,
    );
  }
  return model;
}
