// @facekit/facenet: the runtime (networks, weights conversion, preprocessing, templates, the embedders, registered on
// import). Triplet training is its own layer, `@facekit/facenet/train`, which alone registers tfjs' gradients and
// the training kernels.
import { registerFacenetEmbedders } from './specs.js';

export {
  type ConvBnOptions,
  type ConvOptions,
  describeNetwork,
  kerasAutoNamer,
  type L2PoolNames,
  type NetworkDefinition,
  type Ops,
  type Padding2D,
  type ResidualNames,
  ShapeOps,
} from './graph.js';
export { FUSED_BN_MIN_EPSILON, type FoldedConv, foldConvBn, TensorOps } from './tensor-ops.js';
export { openfaceNetwork } from './openface.js';
export { inceptionResnetV1 } from './inception-resnet-v1.js';
export { convertWeights, expectedWeights, FaceNetwork, type NetworkOptions } from './network.js';
export { prewhiten, scaleToUnit } from './preprocess.js';
export { ARCFACE_112, arcfaceTemplate, OPENFACE_FIVE, openfaceTemplate } from './templates.js';
export { createNetworkEmbedder, NetworkEmbedder, type Preprocess, resolveWeights } from './embedder.js';
export { facenet512Spec, facenetSpec, openfaceSpec, registerFacenetEmbedders } from './specs.js';
export { FACENET_WEIGHTS, registerFacenetWeights } from './weights.js';
// Importing the package registers its embedders, like the other model packages.
registerFacenetEmbedders();
