// @facekit/facenet/train: FaceNet's triplet training (triplet selection and loss, P×K identity batches, the trainable
// network, trainTriplet). Importing it registers tfjs' gradients and the training kernels (src/gradients.ts); the
// runtime entry never does.
import './gradients.js';

export { selectTriplets, type TripletSelection, type Triplets } from './triplet-selection.js';
export { l2NormalizeRows, pairwiseSquaredDistances, tripletLoss } from './triplet-loss.js';
export { groupByIdentity, type IdentityBatching, identityBatch, stepsPerEpoch } from './identity-batches.js';
export { type InitialWeights, randomWeights, TrainableNetwork } from './trainable-network.js';
export {
  embedWith,
  TRAINABLE_NETWORKS,
  type TrainableNetworkName,
  trainTriplet,
  TRIPLET_CHECKPOINT_FORMAT,
  type TripletCheckpoint,
  type TripletCheckpointSnapshot,
  type TripletCheckpointWriter,
  type TripletConfig,
  type TripletProgress,
  type TripletState,
  type TripletTrainOptions,
  type TripletTrainResult,
} from './train-triplet.js';
