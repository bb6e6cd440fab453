import { FaceKitError, graphModelHandler, isFaceKitError, type ModelContext } from '@facekit/core';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';

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

/**
 * A loaded face graph that turns aligned faces into L2-normalised descriptors: what the graph-model embedders
 * (faceres, mobilefacenet) share. Holds the model until `dispose()`; running it afterwards is E_INPUT, an output
 * node that is not [n, dim] is E_WEIGHTS_FORMAT.
 *
 * @example
 * const graph = new DescriptorGraph(await loadFaceGraphModel(ctx, 'faceres.json', 224), {
 *   embedder: 'faceres', file: 'faceres.json', output: 'global_pooling/Mean', dim: 1024,
 * });
 * const unit = graph.run(() => tf.cast(faces, 'float32')); // [n, 1024]
 * graph.dispose();
 */
export class DescriptorGraph {
  private model: GraphModel | undefined;

  constructor(
    model: GraphModel,
    private readonly spec: { embedder: string; file: string; output: string; dim: number },
  ) {
    this.model = model;
  }

  /** Runs the graph on the input `input()` makes (inside the same tidy) and returns unit rows [n, dim]. */
  run(input: () => tf.Tensor): tf.Tensor2D {
    const { embedder, file, output, dim } = this.spec;
    const model = this.model;
    if (!model) throw new FaceKitError('E_INPUT', `${embedder}: the embedder has been disposed`);
    return tf.tidy(() => {
      const out = model.execute(input(), output) as tf.Tensor;
      if (out.rank !== 2 || out.shape[1] !== dim) {
        throw new FaceKitError('E_WEIGHTS_FORMAT', `${file}: output shape [${out.shape}], expected [n, ${dim}]`);
      }
      return tf.div(out, tf.maximum(tf.norm(out, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.model?.dispose();
    this.model = undefined;
  }
}
