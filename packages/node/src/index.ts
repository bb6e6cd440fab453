import './register-models.js';

import type { Face, Representation } from '@facekit/core';
import type { ImageInput } from './decode.js';
import type { NodeOptions } from './options.js';
import { type NodeVerifyResult, nodeApi } from './pipeline.js';

// Everything of core (FaceKitError, metrics, compareEmbeddings, the models registry, types, DEFAULT_MAX_PIXELS), so
// one import does.
export * from '@facekit/core';
export { analyze, disposeAnalysis, type NodeAnalyzeOptions } from './analyze.js';
export { activeBackend, type BackendPreference, ensureBackend } from './backend.js';
export { type DecodeOptions, decodeImageBytes, type ImageInput, toImageTensor } from './decode.js';
export { bundledModelsDir, folderFileLoader, nodeModelContext, weightsCacheDir } from './model-context.js';
export type { NodeOptions } from './options.js';
export {
  NodeWeightsStore,
  type NodeWeightsStoreOptions,
  type PullOptions,
  type PullResult,
  type WeightsListing,
} from './weights/store.js';
export {
  type EmbedCombosOptions,
  EmbedPool,
  type EmbedPoolOptions,
  type PoolInput,
  type PooledCallOptions,
  type PooledEmbedder,
  poolEmbedderSpec,
  type RepresentManyOptions,
  type RepresentManyResult,
  representMany,
} from './pool/embed-pool.js';
export { type CallOptions, createPipeline, disposeAll, type NodePipeline, type NodeVerifyResult } from './pipeline.js';
// Persistent galleries, HNSW, image enrol / identify / cluster. Their native packages (better-sqlite3, usearch, pg)
// are optional peers, loaded on first use: importing this entry never needs them.
export * from './gallery/index.js';

/**
 * Are the two images of the same person? Detects a face in each (the largest, or see `pick`), aligns, embeds,
 * compares. Models load on the first call and are cached per configuration.
 *
 * @example
 * import { verify } from '@facekit/node';
 * const r = await verify('alice1.jpg', 'alice2.jpg');
 * console.log(r.verified, r.distance, r.threshold, r.confidence);
 */
export function verify(img1: ImageInput, img2: ImageInput, options?: NodeOptions): Promise<NodeVerifyResult> {
  return nodeApi.verify(img1, img2, options);
}

/**
 * The embedding of the chosen face (or of every face with `all: true`), with its box and detector score.
 *
 * @example
 * const [{ embedding }] = await represent('alice.jpg', { embedder: 'faceres' });
 * embedding.vector.length; // 1024
 */
export function represent(image: ImageInput, options?: NodeOptions & { all?: boolean }): Promise<Representation[]> {
  return nodeApi.represent(image, options);
}

/**
 * All faces in an image, largest first, with the five alignment points and (with a landmarker) 68 landmarks.
 *
 * @example
 * const faces = await detect('group.jpg');
 * faces.map((f) => f.box); // [{ x, y, width, height }, ...]
 */
export function detect(image: ImageInput, options?: NodeOptions): Promise<Face[]> {
  return nodeApi.detect(image, options);
}
