import {
  type PlatformCallOptions,
  PlatformApi,
  type PlatformBinding,
  type PlatformPipeline,
  type PlatformVerifyResult,
} from '@facekit/core';
import { type BackendPreference, ensureBackend } from './backend.js';
import { type ImageInput, withImages } from './decode.js';
import { webModelContext } from './model-context.js';
import { WEB_OPTIONS, type WebOptions } from './options.js';

/**
 * A verdict as the browser API returns it: core's VerifyResult plus the tfjs backend it ran on.
 *
 * @example
 * const r: WebVerifyResult = await verify(imgA, imgB);
 * r.backend; // 'wasm' or 'webgl'
 */
export type WebVerifyResult = PlatformVerifyResult;

/**
 * Per-call options of a pipeline's methods.
 *
 * @example
 * await p.verify(a, b, { metric: 'cosine' } satisfies CallOptions);
 */
export type CallOptions = PlatformCallOptions<WebOptions>;

/**
 * A loaded pipeline that takes DOM images, bytes or tensors. Holds its models until `dispose()`.
 *
 * @example
 * const p = await createPipeline({ backend: 'webgl' });
 * const r = await p.verify(imgElement, file); // r.verified, r.distance, r.faces.img1.box
 * p.dispose();
 */
export type WebPipeline = PlatformPipeline<ImageInput, WebOptions>;

/** The browser's binding: createImageBitmap decoding, wasm / webgl, model files fetched and kept in the Cache API. */
const webBinding: PlatformBinding<ImageInput, WebOptions> = {
  options: WEB_OPTIONS,
  ensureBackend: (preference) => ensureBackend(preference as BackendPreference | undefined),
  withImages,
  modelContext: (o) => webModelContext({ modelsBaseUrl: o.modelsBaseUrl }),
};

/** The shared browser API state: one pipeline per model configuration. */
export const webApi = new PlatformApi(webBinding);

/**
 * Loads a pipeline that you own: reuse it for many calls (a webcam loop) and `dispose()` it when done.
 *
 * @example
 * const p = await createPipeline({ backend: 'webgl' });
 * try { console.log(await p.verify(a, b)); } finally { p.dispose(); }
 */
export function createPipeline(options: WebOptions = {}): Promise<WebPipeline> {
  return webApi.createPipeline(options);
}

/**
 * Disposes every pipeline facekit created and empties the cache; the next call loads models again (from the
 * Cache API, not the network). Do not call it while calls are in flight.
 *
 * @example
 * disposeAll(); // tf.memory().numTensors is back to what it was before the first call
 */
export function disposeAll(): void {
  webApi.disposeAll();
}
