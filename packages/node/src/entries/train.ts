// '@facekit/node/train': training from Node — FaceNet's triplet loop, DeepFace's classifier loop, the training
// data and checkpoint files of a face folder. Importing it loads the training code; the package root does not.
export {
  faceFolderDataset,
  type FaceFolderDataset,
  type FaceFolderOptions,
  readPeopleFile,
} from '../training/face-folder.js';
export { readCheckpointFiles, writeCheckpointFiles } from '../training/checkpoint-files.js';
export {
  type TripletTrainOptions,
  type TripletTrainResult,
  trainTriplet,
} from '@facekit/facenet';
export { type TrainOptions, type TrainResult, trainClassifier } from '@facekit/deepface';
export {
  registerWasmTrainingKernels,
  type TrainingCheckpoint,
  type TrainingCheckpointSnapshot,
  type TrainingData,
} from '@facekit/core';
