// '@facekit/node/train': training from Node — FaceNet's triplet loop, DeepFace's classifier loop, core's training
// layer (the loop, checkpoints, data, the filter-gradient kernel), and the training data and checkpoint files of a
// face folder. Importing it loads the training code and registers tfjs' gradients; the package root does not.
export {
  faceFolderDataset,
  type FaceFolderDataset,
  type FaceFolderOptions,
  readPeopleFile,
} from '../training/face-folder.js';
export { readCheckpointFiles, writeCheckpointFiles } from '../training/checkpoint-files.js';
export * from '@facekit/facenet/train';
export {
  CHECKPOINT_FORMAT,
  type Checkpoint,
  type CheckpointSnapshot,
  type CheckpointState,
  type CheckpointWriter,
  DEFAULT_SCHEDULE,
  // DeepFace's own decoder (its layer names); core's generic one keeps the plain name.
  decodeCheckpointTensors as decodeDeepFaceCheckpointTensors,
  evaluateClassifier,
  type LearningRateSchedule,
  learningRateAt,
  modelFromCheckpoint,
  preprocess,
  type ScheduleProgress,
  snapshotCheckpoint,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
  trainClassifier,
} from '@facekit/deepface/train';
export * from '@facekit/core/training';
