// @facekit/core/training: the training layer shared by FaceNet's triplet and DeepFace's classifier training, outside
// the runtime: training data, checkpoints, the one training loop and the one conv filter-gradient kernel. Importing
// it registers nothing; the training entries of the model packages call `registerTrainingKernels()`.
export * from './checkpoint.js';
export * from './data.js';
export * from './filter-gradient.js';
export * from './loop.js';
