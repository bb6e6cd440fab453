// @facekit/deepface/train: DeepFace's identity-classifier training (softmax on F8, SGD with momentum, the
// learning-rate schedule, checkpoints). Importing it registers tfjs' gradients and the training kernels
// (src/gradients.ts); the runtime entry never does.
import './gradients.js';

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
} from './train-classifier.js';
