import type { AlignmentTemplate, Embedder, ModelContext } from '@facekit/core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import { DescriptorGraph, loadFaceGraphModel } from './graph-model.js';
import { assertFaceBatch, embedRows } from './input.js';
import { ARCFACE_TEMPLATE_112 } from './mobilefacenet.js';

/**
 * The faceres graph model file in @facekit/models.
 *
 * @example
 * const model = await loadGraphModel(graphModelHandler(ctx.files, FACERES_MODEL));
 */
export const FACERES_MODEL = 'faceres.json';
/**
 * Side of faceres's aligned input in pixels.
 *
 * @example
 * const chip = tf.image.resizeBilinear(face, [FACERES_INPUT, FACERES_INPUT]);
 */
export const FACERES_INPUT = 224;
/**
 * Length of a faceres descriptor.
 *
 * @example
 * const [{ embedding }] = await represent('a.jpg', { embedder: 'faceres' });
 * embedding.vector.length === FACERES_DIM; // true
 */
export const FACERES_DIM = 1024;
/**
 * The graph node whose output is the face descriptor (the graph's other outputs are age and gender heads).
 *
 * @example
 * const descriptor = model.execute(faces0to255, FACERES_DESCRIPTOR_NODE) as tf.Tensor2D; // [n, 1024]
 */
export const FACERES_DESCRIPTOR_NODE = 'global_pooling/Mean';

/**
 * The ArcFace 5-point template scaled to 224×224: the crop measured on LFW DevTrain (see the spec).
 *
 * @example
 * const chip = new SimilarityAligner().align(image, face, FACERES_TEMPLATE_224); // [224, 224, 3]
 */
export const FACERES_TEMPLATE_224: AlignmentTemplate = {
  size: [FACERES_INPUT, FACERES_INPUT],
  source: 'five',
  points: ARCFACE_TEMPLATE_112.points.map(([x, y]) => [2 * x, 2 * y] as [number, number]),
};

/**
 * The `faceres` descriptor of @vladmandic/human (HSE FaceRes MobileNet): 224×224 RGB → 1024-D, L2-normalised here.
 * Input: aligned faces 0..255, fed to the graph as they are (it has no normalisation op and expects 0..255; the
 * same faces scaled to 0..1 give near-constant descriptors).
 *
 * @example
 * const net = await FaceResEmbedder.load(ctx);
 * const vectors = await net.embed(faces); // faces: [n, 224, 224, 3]
 * net.dispose();
 */
export class FaceResEmbedder implements Embedder {
  readonly name = 'faceres';
  readonly dim = FACERES_DIM;
  private readonly graph: DescriptorGraph;

  private constructor(model: GraphModel) {
    this.graph = new DescriptorGraph(model, {
      embedder: this.name,
      file: FACERES_MODEL,
      output: FACERES_DESCRIPTOR_NODE,
      dim: FACERES_DIM,
    });
  }

  static async load(ctx: ModelContext): Promise<FaceResEmbedder> {
    return new FaceResEmbedder(await loadFaceGraphModel(ctx, FACERES_MODEL, FACERES_INPUT));
  }

  /** The [n, 1024] unit vectors as a tensor (the caller disposes it). */
  predict(faces: tf.Tensor4D): tf.Tensor2D {
    assertFaceBatch(faces, [FACERES_INPUT, FACERES_INPUT], this.name);
    return this.graph.run(() => tf.cast(faces, 'float32'));
  }

  embed(faces: tf.Tensor4D): Promise<Float32Array[]> {
    return embedRows(faces, [FACERES_INPUT, FACERES_INPUT], this.name, (f) => this.predict(f));
  }

  dispose(): void {
    this.graph.dispose();
  }
}
