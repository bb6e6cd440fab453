import { type AlignmentTemplate, type Embedder, graphModelHandler, type ModelContext } from '@facekit/core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import { DescriptorGraph, loadFaceGraphModel } from './graph-model.js';
import { assertFaceBatch, embedRows } from './input.js';
import { repairFusedPrelu } from './prelu-repair.js';

/**
 * The MobileFaceNet graph model file in @facekit/models.
 *
 * @example
 * const model = await tf.loadGraphModel(graphModelHandler(ctx.files, MOBILEFACENET_MODEL));
 */
export const MOBILEFACENET_MODEL = 'mobilefacenet.json';
/**
 * Side of MobileFaceNet's aligned input in pixels.
 *
 * @example
 * const chip = tf.image.resizeBilinear(face, [MOBILEFACENET_INPUT, MOBILEFACENET_INPUT]);
 */
export const MOBILEFACENET_INPUT = 112;
/**
 * Length of a MobileFaceNet embedding.
 *
 * @example
 * const [{ embedding }] = await represent('a.jpg', { embedder: 'mobilefacenet' });
 * embedding.vector.length === MOBILEFACENET_DIM; // true
 */
export const MOBILEFACENET_DIM = 192;

/**
 * The standard ArcFace / InsightFace 5-point template at 112×112 (eyes, nose tip, mouth corners; image-left first),
 * the alignment of the MS-Celeb-1M 112×112 training sets MobileFaceNet models are trained on.
 *
 * @example
 * const chip = new SimilarityAligner().align(image, face, ARCFACE_TEMPLATE_112); // [112, 112, 3]
 */
export const ARCFACE_TEMPLATE_112: AlignmentTemplate = {
  size: [112, 112],
  source: 'five',
  points: [
    [38.2946, 51.6963],
    [73.5318, 51.5014],
    [56.0252, 71.7366],
    [41.5493, 92.3655],
    [70.7299, 92.2041],
  ],
};

/** An IOHandler that loads the bundled graph and undoes the converter's PReLU fusion (see prelu-repair.ts). */
function repairingHandler(ctx: ModelContext, path: string, onRepair: (n: number) => void): tf.io.IOHandler {
  const inner = graphModelHandler(ctx.files, path);
  return {
    load: async () => {
      const artifacts = await inner.load!();
      const { topology, repaired } = repairFusedPrelu(artifacts.modelTopology);
      onRepair(repaired);
      return { ...artifacts, modelTopology: topology as object };
    },
  };
}

/**
 * MobileFaceNet (112×112 RGB → 192-D, L2-normalised) from the tfjs graph model bundled in @facekit/models.
 * Input: aligned faces 0..255; the graph takes RGB scaled to 0..1 (as @vladmandic/human feeds it), with no
 * normalisation op of its own.
 *
 * @example
 * const net = await MobileFaceNetEmbedder.load(ctx);
 * const vectors = await net.embed(faces); // faces: [n, 112, 112, 3]
 * net.dispose();
 */
export class MobileFaceNetEmbedder implements Embedder {
  readonly name = 'mobilefacenet';
  readonly dim = MOBILEFACENET_DIM;
  private readonly graph: DescriptorGraph;

  private constructor(
    model: GraphModel,
    /** How many PReLUs the loader repaired (16 for the bundled file). */
    readonly repairedPrelus: number,
  ) {
    this.graph = new DescriptorGraph(model, {
      embedder: this.name,
      file: MOBILEFACENET_MODEL,
      output: 'embeddings',
      dim: MOBILEFACENET_DIM,
    });
  }

  static async load(ctx: ModelContext): Promise<MobileFaceNetEmbedder> {
    let repaired = 0;
    const handler = repairingHandler(ctx, MOBILEFACENET_MODEL, (n) => (repaired = n));
    const model = await loadFaceGraphModel(ctx, MOBILEFACENET_MODEL, MOBILEFACENET_INPUT, handler);
    return new MobileFaceNetEmbedder(model, repaired);
  }

  /** The [n, 192] unit vectors as a tensor (the caller disposes it). */
  predict(faces: tf.Tensor4D): tf.Tensor2D {
    assertFaceBatch(faces, [MOBILEFACENET_INPUT, MOBILEFACENET_INPUT], this.name);
    // The graph already ends in an L2 normalisation; normalising again costs nothing and guarantees unit length.
    return this.graph.run(() => tf.div(tf.cast(faces, 'float32'), 255));
  }

  embed(faces: tf.Tensor4D): Promise<Float32Array[]> {
    return embedRows(faces, [MOBILEFACENET_INPUT, MOBILEFACENET_INPUT], this.name, (f) => this.predict(f));
  }

  dispose(): void {
    this.graph.dispose();
  }
}
