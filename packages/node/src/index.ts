// The application API of @facekit/node: what an app calls, and the types of what it passes and gets back.
// Everything else is on a named subpath: '@facekit/node/gallery' (persistent galleries, indexes, clustering),
// '@facekit/node/bench' (benchmarks, the LFW protocol), '@facekit/node/train' (training),
// '@facekit/node/advanced' (the registry, pipelines, model context, weights store, decoding, the option schema).
// See docs/guide/architecture.md.
import { nodePlatform } from './pipeline.js';

/**
 * The functions of the Node API, one `createPlatform` shared with `@facekit/web`. Inputs are file paths, URLs,
 * encoded bytes or tensors; models load on the first call and are cached per configuration.
 * - `verify(img1, img2, options)`: same person? (`verified`, `distance`, `threshold`, `confidence`, the faces used)
 * - `represent(image, options)`: the embedding of the chosen face (or of every face with `all: true`)
 * - `detect(image, options)`: every face, largest first, with five points and 68 landmarks
 * - `analyze(image, options)`: age, gender, emotion, race, spoof, liveness; `disposeAnalysis()` frees the analysers
 * - `createPipeline(options)`: a pipeline you own and `dispose()`; `disposeAll()` frees every pipeline
 *
 * @example
 * import { verify, represent, disposeAll } from '@facekit/node';
 * const r = await verify('alice1.jpg', 'alice2.jpg');
 * console.log(r.verified, r.distance, r.threshold, r.confidence);
 * const [{ embedding }] = await represent('alice.jpg', { embedder: 'faceres' }); // embedding.vector.length 1024
 * disposeAll();
 */
export const { verify, represent, detect, analyze, disposeAnalysis, createPipeline, disposeAll } = nodePlatform;

// The application part of core (errors, compareEmbeddings, Gallery, clusterEmbeddings, models, the result
// types), defined once in core for both platforms.
export * from '@facekit/core/app';
export { activeBackend, type BackendPreference, ensureBackend } from './backend.js';
export type { ImageInput } from './decode.js';
export {
  type ClusterImagesOptions,
  type ClusterImagesResult,
  clusterImages,
  type EnrollImagesOptions,
  type EnrollImagesResult,
  enrollImages,
  type IdentifiedImage,
  type IdentifyImagesOptions,
  identifyImages,
  listImages,
} from './gallery/images.js';
export { openGallery } from './gallery/open.js';
export type { NodeOptions } from './options.js';
export type { CallOptions, NodeAnalyzeOptions, NodePipeline, NodeVerifyResult } from './pipeline.js';
export type { PersistentGallery } from './gallery/backend.js';
export { type RepresentManyOptions, type RepresentManyResult, representMany } from './pool/embed-pool.js';
