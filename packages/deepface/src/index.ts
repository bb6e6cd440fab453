// @facekit/deepface: the DeepFace network (C1 … L4/L5/L6 locally connected … F7), its Keras weights import and
// the `deepface` embedder (registered on import). Identity-classifier training is its own layer,
// `@facekit/deepface/train`, which alone registers tfjs' gradients and the training kernels.
import { findWeightsEntry, models, registerWeightsEntry } from '@facekit/core';
import { DEEPFACE_WEIGHTS_ENTRY, deepFaceSpec } from './embedder.js';

export {
  DEEPFACE_CONFIG,
  deepFaceLayers,
  LAYER_NAMES,
  parameterCount,
  resolveConfig,
  type DeepFaceConfig,
  type FilterSpec,
  type LayerInfo,
  type LayerName,
  type WeightedLayerName,
} from './architecture.js';
export {
  extractPatches,
  locallyConnected2d,
  localShapes,
  type LocallyConnectedGeometry,
  type LocallyConnectedOptions,
  type LocallyConnectedShapes,
} from './locally-connected.js';
export { conv2dReluValid } from './conv.js';
export {
  DeepFaceModel,
  initLayer,
  type DeepFaceWeights,
  type ForwardOptions,
  type LayerWeights,
  type OutputName,
} from './model.js';
export { deepFaceExpectedLayers, loadDeepFaceKeras, type LoadDeepFaceOptions } from './keras-import.js';
export {
  createDeepFaceEmbedder,
  DEEPFACE_TEMPLATE,
  DEEPFACE_WEIGHTS_ENTRY,
  DEEPFACE_WEIGHTS_FILE,
  DEEPFACE_WEIGHTS_NAME,
  DEEPFACE_WEIGHTS_URL,
  DeepFaceEmbedder,
  deepFaceSpec,
  type DeepFaceEmbedderOptions,
} from './embedder.js';
models.embedders.register(deepFaceSpec);
// Its weights in core's one catalogue, unless the application registered its own entry (a pin, a mirror) first.
if (!findWeightsEntry(DEEPFACE_WEIGHTS_ENTRY.name)) registerWeightsEntry(DEEPFACE_WEIGHTS_ENTRY);
