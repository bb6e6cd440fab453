export { hdf5SignatureOffset, looksLikeHdf5 } from './hdf5.js';
export {
  KerasWeightsFile,
  openKerasWeights,
  readKerasWeights,
  type KerasLayerWeights,
  type KerasWeight,
  type KerasWeightInfo,
  type KerasWeightsSource,
} from './keras-h5.js';
export {
  assignKerasWeights,
  checkKerasWeights,
  countParameters,
  disposeLayerWeights,
  loadKerasWeights,
  shortWeightName,
  type AssignOptions,
  type ExpectedLayer,
  type ExpectedWeight,
  type LayerWeights,
} from './assign.js';
export {
  exportTfjsWeights,
  importTfjsWeights,
  isPackedTfjsWeights,
  packTfjsWeights,
  unpackTfjsWeights,
  type TfjsWeights,
  type TfjsWeightsJson,
} from './tfjs-weights.js';
export { loadModelWeights } from './model-weights.js';
