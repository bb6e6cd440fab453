// '@facekit/node/advanced': the building blocks under the application API, for code that composes its own
// pipeline or tools — core whole (the model registry, FacePipeline, the platform API, metrics, indexes, clustering,
// the weights catalogue) and Node's model context, weights store, decoding, backends, embedding pool, the kNN graph
// on worker threads and the option schema. The package root is the curated application API; this subpath is not.
export * from '@facekit/core';
export { type DecodeOptions, decodeImageBytes, toImageTensor } from '../decode.js';
export { bundledModelsDir, folderFileLoader, nodeModelContext, weightsCacheDir } from '../model-context.js';
export { NODE_OPTIONS } from '../options.js';
export { nodePlatform } from '../pipeline.js';
export {
  type EmbedCombosOptions,
  EmbedPool,
  type EmbedPoolOptions,
  type PoolInput,
  type PooledCallOptions,
  type PooledEmbedder,
  poolEmbedderSpec,
} from '../pool/embed-pool.js';
export {
  NodeWeightsStore,
  type NodeWeightsStoreOptions,
  type PullOptions,
  type PullResult,
  type WeightsListing,
} from '../weights/store.js';
export { ivfKnnParallel, type ParallelKnnOptions } from '../pool/knn-pool.js';
