// @facekit/core/eval: the evaluation layer, outside the runtime. The verification protocol (threshold choice, k-fold
// cross-validation, ROC, AUC, EER, TAR@FAR, confidence calibration), LFW's pairs files and folds, and clustering's
// BCubed score: what `facekit bench`, the training validation and the tests measure with; nothing at run time uses it.
export * from './protocol.js';
export * from './lfw.js';
export * from './bcubed.js';
