// The application API of @facekit/web: what an app calls, and the types of what it passes and gets back.
// The building blocks (core's registry, indexes, clustering, decoding, model files) are in '@facekit/web/advanced'.
// See docs/guide/architecture.md.
import { webPlatform } from './pipeline.js';

/**
 * The functions of the browser API, one `createPlatform` shared with `@facekit/node`. Inputs are `<img>`, `<video>`,
 * `<canvas>`, ImageBitmap, ImageData, File / Blob, bytes or tensors; models load on the first call (from
 * `env.modelsBaseUrl`, then the Cache API) and are kept per configuration.
 * - `verify(img1, img2, options)`: same person? (`verified`, `distance`, `threshold`, `backend`, the faces used)
 * - `represent(image, options)`: the embedding of the chosen face (or of every face with `all: true`)
 * - `detect(image, options)`: every face, largest first, with five points and 68 landmarks
 * - `analyze(image, options)`: age, gender, emotion, race, spoof, liveness; `disposeAnalysis()` frees the analysers
 * - `createPipeline(options)`: a pipeline you own (a webcam loop) and `dispose()`; `disposeAll()` frees every one
 *
 * @example
 * import { verify, detect } from '@facekit/web';
 * const r = await verify(document.querySelector('#a')!, fileInput.files![0]);
 * console.log(r.verified, r.distance, r.threshold, r.backend);
 * const faces = await detect(canvas); // faces[0].box, faces[0].landmarks
 */
export const { verify, represent, detect, analyze, disposeAnalysis, createPipeline, disposeAll } = webPlatform;

// The application part of core (errors, compareEmbeddings, Gallery, clusterEmbeddings, models, the result
// types), defined once in core for both platforms.
export * from '@facekit/core/app';
export { activeBackend, type BackendInfo, type BackendPreference, backendInfo, ensureBackend } from './backend.js';
export type { ImageInput } from './decode.js';
export { env, type WebEnv } from './env.js';
export type { WebOptions } from './options.js';
export type { CallOptions, WebAnalyzeOptions, WebPipeline, WebVerifyResult } from './pipeline.js';
export { clearModelCache } from './remote-model-files.js';
