import { type EmbedderSpec, models } from '@facekit/core';
import { createNetworkEmbedder } from './embedder.js';
import { inceptionResnetV1 } from './inception-resnet-v1.js';
import { openfaceNetwork } from './openface.js';
import { prewhiten, scaleToUnit } from './preprocess.js';
import { arcfaceTemplate, openfaceTemplate } from './templates.js';
import { registerFacenetWeights } from './weights.js';

const DEEPFACE_THRESHOLDS =
  "deepface's published decision thresholds (deepface/config/threshold.py; squared-l2 = euclidean-l2²), " +
  'until facekit fits its own on LFW';

/** FaceNet (Inception-ResNet-v1) spec with deepface weights; `facenet` and `facenet512` differ only in dim and thresholds. */
function facenetVariant(name: string, dim: 128 | 512, thresholds: EmbedderSpec['thresholds']): EmbedderSpec {
  const file = `${name}_weights.h5`;
  return {
    name,
    description: `FaceNet (Inception-ResNet-v1, ${dim}-D) with deepface weights (${file})`,
    dim,
    template: arcfaceTemplate(160, 0.85),
    normalized: false,
    defaultMetric: 'cosine',
    thresholds,
    provenance: DEEPFACE_THRESHOLDS,
    create: (ctx) => createNetworkEmbedder(name, inceptionResnetV1(dim), prewhiten, ctx, `deepface's ${file}`),
  };
}

/**
 * FaceNet 128-D (deepface `Facenet`, Inception-ResNet-v1): 160×160, prewhitened, raw (not normalised) output.
 * Alignment: the InsightFace 5-point template scaled to 160 and zoomed out to 0.85, approximating the looser MTCNN
 * crops (box + margin) FaceNet was trained on.
 *
 * @example
 * const embedder = await facenetSpec.create({ files, weightsPath: 'facenet_weights.h5', readFile });
 */
export const facenetSpec: EmbedderSpec = facenetVariant('facenet', 128, {
  cosine: 0.4,
  euclidean: 10,
  'euclidean-l2': 0.8,
  'squared-l2': 0.64,
});

/**
 * FaceNet 512-D (deepface `Facenet512`): as `facenet` with a 512-D bottleneck.
 *
 * @example
 * facenet512Spec.thresholds?.cosine; // 0.3
 */
export const facenet512Spec: EmbedderSpec = facenetVariant('facenet512', 512, {
  cosine: 0.3,
  euclidean: 23.56,
  'euclidean-l2': 1.04,
  'squared-l2': 1.0816,
});

/**
 * OpenFace nn4.small2.v1 (deepface `OpenFace`): 96×96, RGB scaled to [0, 1], L2-normalised by the network.
 * Alignment: OpenFace's own (dlib mean-shape) crop as five points.
 *
 * @example
 * openfaceSpec.template.size; // [96, 96]
 */
export const openfaceSpec: EmbedderSpec = {
  name: 'openface',
  description: 'OpenFace nn4.small2.v1 (128-D) with deepface weights (openface_weights.h5)',
  dim: 128,
  template: openfaceTemplate(96),
  normalized: true,
  defaultMetric: 'cosine',
  thresholds: { cosine: 0.1, euclidean: 0.55, 'euclidean-l2': 0.55, 'squared-l2': 0.3025 },
  provenance: DEEPFACE_THRESHOLDS,
  create: (ctx) =>
    createNetworkEmbedder('openface', openfaceNetwork, scaleToUnit, ctx, "deepface's openface_weights.h5"),
};

/**
 * Registers facenet, facenet512 and openface in core's `models.embedders` and their weights in core's weights
 * catalogue (idempotent).
 *
 * @example
 * registerFacenetEmbedders(); // already done on import of @facekit/facenet
 * models.embedders.get('facenet512').dim; // 512
 */
export function registerFacenetEmbedders(): void {
  for (const spec of [facenetSpec, facenet512Spec, openfaceSpec]) models.embedders.register(spec);
  registerFacenetWeights();
}
