// The model packages register their detectors, landmarkers, aligners and embedders in core's registry on import.
// Only those whose weights are bundled (@facekit/models): the Keras-h5 embedders need a file system.
import '@facekit/detect';
import '@facekit/align';
import '@facekit/pretrained';

import type { Face, Representation } from '@facekit/core';
import type { ImageInput } from './decode.js';
import type { WebOptions } from './options.js';
import { type WebVerifyResult, webApi } from './pipeline.js';

// Everything of core (FaceKitError, metrics, gallery, cluster, the models registry, types, DEFAULT_MAX_PIXELS), so
// one import does.
export * from '@facekit/core';
export { analyze, disposeAnalysis, type WebAnalyzeOptions } from './analyze.js';
export {
  activeBackend,
  type BackendInfo,
  type BackendPreference,
  backendInfo,
  ensureBackend,
} from './backend.js';
export {
  type DecodeOptions,
  decodeImageBytes,
  type ImageInput,
  toImageTensor,
} from './decode.js';
export { env, type WebEnv } from './env.js';
export { webModelContext } from './model-context.js';
export type { WebOptions } from './options.js';
export { type CallOptions, createPipeline, disposeAll, type WebPipeline, type WebVerifyResult } from './pipeline.js';
export { clearModelCache, type UrlFileLoaderOptions, urlFileLoader } from './remote-model-files.js';

/**
 * Are the two images of the same person? Models load on the first call (from `env.modelsBaseUrl`, then the
 * Cache API) and are kept per configuration.
 *
 * @example
 * import { verify } from '@facekit/web';
 * const r = await verify(document.querySelector('#a')!, fileInput.files![0]);
 * console.log(r.verified, r.distance, r.threshold, r.backend);
 */
export function verify(img1: ImageInput, img2: ImageInput, options?: WebOptions): Promise<WebVerifyResult> {
  return webApi.verify(img1, img2, options);
}

/**
 * The embedding of the chosen face (or of every face with `all: true`).
 *
 * @example
 * const [{ embedding }] = await represent(videoElement);
 */
export function represent(image: ImageInput, options?: WebOptions & { all?: boolean }): Promise<Representation[]> {
  return webApi.represent(image, options);
}

/**
 * All faces in an image, largest first, with the five alignment points and 68 landmarks.
 *
 * @example
 * const faces = await detect(canvas); // faces[0].box, faces[0].landmarks
 */
export function detect(image: ImageInput, options?: WebOptions): Promise<Face[]> {
  return webApi.detect(image, options);
}
