// The model packages register their detectors, landmarkers, aligners and embedders in core's registry on import.
// Only those whose weights are bundled (@facekit/models): the Keras-h5 embedders need a file system.
import '@facekit/detect';
import '@facekit/align';
import '@facekit/pretrained';

import { type Face, type Representation, throwIfAborted } from '@facekit/core';
import { ensureBackend } from './backend.js';
import { type ImageInput, withImages } from './decode.js';
import { validateOptions, type WebOptions } from './options.js';
import { cachedPipeline, type WebVerifyResult } from './pipeline.js';

// Everything of core (FaceKitError, metrics, gallery, cluster, the models registry, types), so one import does.
export * from '@facekit/core';
export {
  activeBackend,
  type BackendInfo,
  type BackendPreference,
  backendInfo,
  ensureBackend,
} from './backend.js';
export {
  DEFAULT_MAX_PIXELS,
  type DecodeOptions,
  decodeImageBytes,
  type ImageInput,
  toImageTensor,
} from './decode.js';
export { env, type WebEnv } from './env.js';
export { webModelContext } from './model-context.js';
export type { WebOptions } from './options.js';
export { type CallOptions, createPipeline, disposeAll, WebPipeline, type WebVerifyResult } from './pipeline.js';
export { clearModelCache, type UrlFileLoaderOptions, urlFileLoader } from './remote-model-files.js';

function split(options: WebOptions | undefined) {
  validateOptions(options);
  const o = options ?? {};
  throwIfAborted(o.signal);
  const call = {
    enforceDetection: o.enforceDetection,
    signal: o.signal,
    metric: o.metric,
    threshold: o.threshold,
    maxPixels: o.maxPixels,
    backend: o.backend,
  };
  return { o, call };
}

/**
 * Are the two images of the same person? Models load on the first call (from `env.modelsBaseUrl`, then the
 * Cache API) and are kept per configuration.
 *
 * @example
 * import { verify } from '@facekit/web';
 * const r = await verify(document.querySelector('#a')!, fileInput.files![0]);
 * console.log(r.verified, r.distance, r.threshold, r.backend);
 */
export async function verify(img1: ImageInput, img2: ImageInput, options?: WebOptions): Promise<WebVerifyResult> {
  const { o, call } = split(options);
  await ensureBackend(o.backend);
  const t0 = performance.now();
  // Decode first: a bad input fails before any model is loaded. Model loading is not counted in timeMs.
  return withImages([img1, img2], o, async ([a, b]) => {
    const decodeMs = performance.now() - t0;
    const r = await (await cachedPipeline(o)).verify(a, b, call);
    return { ...r, timeMs: r.timeMs + decodeMs };
  });
}

/**
 * The embedding of the largest face (or of every face with `all: true`).
 *
 * @example
 * const [{ embedding }] = await represent(videoElement);
 */
export async function represent(
  image: ImageInput,
  options?: WebOptions & { all?: boolean },
): Promise<Representation[]> {
  const { o, call } = split(options);
  await ensureBackend(o.backend);
  return withImages([image], o, async ([t]) => (await cachedPipeline(o)).represent(t, { ...call, all: options?.all }));
}

/**
 * All faces in an image, largest first, with the five alignment points and 68 landmarks.
 *
 * @example
 * const faces = await detect(canvas); // faces[0].box, faces[0].landmarks
 */
export async function detect(image: ImageInput, options?: WebOptions): Promise<Face[]> {
  const { o, call } = split(options);
  await ensureBackend(o.backend);
  return withImages([image], o, async ([t]) =>
    (await cachedPipeline(o)).detect(t, { signal: call.signal, backend: call.backend }),
  );
}
