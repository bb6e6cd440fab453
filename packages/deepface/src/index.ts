// @facekit/deepface: the DeepFace network (C1 … L4/L5/L6 locally connected … F7), its Keras weights import,
// the `deepface` embedder (registered on import) and identity-classifier training.
import { models } from '@facekit/core';
import { deepFaceSpec } from './embedder.js';

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
export { conv2dFilterGrad, conv2dReluValid } from './conv.js';
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
  DEEPFACE_WEIGHTS_FILE,
  DEEPFACE_WEIGHTS_NAME,
  DEEPFACE_WEIGHTS_URL,
  DeepFaceEmbedder,
  deepFaceSpec,
  type DeepFaceEmbedderOptions,
} from './embedder.js';
export {
  DEFAULT_SCHEDULE,
  learningRateAt,
  type LearningRateSchedule,
  type ScheduleProgress,
} from './schedule.js';
export {
  CHECKPOINT_FORMAT,
  collectCheckpoint,
  decodeCheckpointTensors,
  modelFromCheckpoint,
  snapshotCheckpoint,
  type Checkpoint,
  type CheckpointSnapshot,
  type CheckpointState,
  type CheckpointWriter,
} from './checkpoint.js';
export {
  epochPermutation,
  evaluateClassifier,
  preprocess,
  tensorDataset,
  trainClassifier,
  type TrainingBatch,
  type TrainingData,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
} from './train.js';

models.embedders.register(deepFaceSpec);
