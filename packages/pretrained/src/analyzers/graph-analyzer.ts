import {
  type Analyzer,
  FaceKitError,
  type FaceAttributes,
  graphModelHandler,
  isFaceKitError,
  type ModelContext,
} from '@facekit/core';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';

/**
 * How a graph analyser runs: the bundled file, the input it must declare, the preprocessing from face crops, the
 * output nodes with their widths, and the decoding of one face's outputs.
 *
 * @example
 * const recipe: GraphRecipe = { file: 'age.json', input: [64, 64, 3], outputs: [{ node: 'Identity', width: 1 }],
 *   prepare: (x01) => tf.mul(tf.image.resizeBilinear(x01, [64, 64]), 255), decode: ([[years]]) => ({ age: { years } }) };
 */
export interface GraphRecipe {
  file: string;
  /** [height, width, channels] the graph's input must have. */
  input: [number, number, number];
  /** Output nodes (or signature keys) and their width; `node` undefined = the graph's only output. */
  outputs: Array<{ node?: string; width: number }>;
  /** Face crops [n, s, s, 3] scaled to 0..1 (human's face tensor) → the graph's input. Runs inside a tidy. */
  prepare(faces01: tf.Tensor4D): tf.Tensor4D;
  /** One face's output rows (one per output, in order) → its attributes. */
  decode(rows: Float32Array[]): FaceAttributes;
}

/**
 * Loads a bundled graph model and checks its declared input against the recipe: a file that does not load, or has
 * another input, is E_WEIGHTS_FORMAT.
 *
 * @example
 * const model = await loadAnalyzerGraph(ctx, 'emotion.json', [64, 64, 1]);
 */
export async function loadAnalyzerGraph(
  ctx: ModelContext,
  file: string,
  input: [number, number, number],
): Promise<GraphModel> {
  let model: GraphModel;
  try {
    model = await loadGraphModel(graphModelHandler(ctx.files, file));
  } catch (cause) {
    if (isFaceKitError(cause)) throw cause;
    throw new FaceKitError('E_WEIGHTS_FORMAT', `${file} could not be loaded as a graph model`, { cause });
  }
  const shape = model.inputs[0]?.shape ?? [];
  if (shape.length !== 4 || shape[1] !== input[0] || shape[2] !== input[1] || shape[3] !== input[2]) {
    model.dispose();
    throw new FaceKitError('E_WEIGHTS_FORMAT', `${file}: expected input [batch, ${input}], got [${shape}]`);
  }
  return model;
}

/**
 * An analyser backed by one tfjs graph model: crops → recipe.prepare → graph → recipe.decode per face. One graph
 * call per batch; every intermediate tensor is freed.
 *
 * @example
 * const a = await GraphAnalyzer.load(ctx, 'ssrnet-age', recipe);
 * const [{ age }] = await a.analyze(crops); // crops: [n, 192, 192, 3] 0..255
 * a.dispose();
 */
export class GraphAnalyzer implements Analyzer {
  private model: GraphModel | undefined;

  private constructor(
    readonly name: string,
    model: GraphModel,
    private readonly recipe: GraphRecipe,
  ) {
    this.model = model;
  }

  static async load(ctx: ModelContext, name: string, recipe: GraphRecipe): Promise<GraphAnalyzer> {
    return new GraphAnalyzer(name, await loadAnalyzerGraph(ctx, recipe.file, recipe.input), recipe);
  }

  async analyze(crops: tf.Tensor4D): Promise<FaceAttributes[]> {
    const model = this.model;
    if (!model) throw new FaceKitError('E_INPUT', `${this.name}: the analyser has been disposed`);
    if (
      !(crops instanceof tf.Tensor) ||
      crops.rank !== 4 ||
      crops.shape[3] !== 3 ||
      crops.shape[1] !== crops.shape[2]
    ) {
      throw new FaceKitError('E_INPUT', `${this.name}: expected face crops [n, s, s, 3]`);
    }
    const n = crops.shape[0];
    if (n === 0) return [];
    const { outputs, file } = this.recipe;
    const results = tf.tidy(() => {
      const x = this.recipe.prepare(tf.div(tf.cast(crops, 'float32'), 255) as tf.Tensor4D);
      const names = outputs.map((o) => o.node).filter((s): s is string => s !== undefined);
      const raw = names.length ? model.execute(x, names) : model.execute(x);
      const list = Array.isArray(raw) ? raw : [raw];
      list.forEach((t, k) => {
        if (t.rank !== 2 || t.shape[0] !== n || t.shape[1] !== outputs[k].width) {
          throw new FaceKitError(
            'E_WEIGHTS_FORMAT',
            `${file}: output ${k} has shape [${t.shape}], expected [${n}, ${outputs[k].width}]`,
          );
        }
      });
      return list;
    });
    try {
      const data = (await Promise.all(results.map((t) => t.data()))) as Float32Array[];
      return Array.from({ length: n }, (_, i) =>
        this.recipe.decode(data.map((d, k) => d.subarray(i * outputs[k].width, (i + 1) * outputs[k].width))),
      );
    } finally {
      tf.dispose(results);
    }
  }

  dispose(): void {
    this.model?.dispose();
    this.model = undefined;
  }
}
