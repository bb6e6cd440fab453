// The model packages register their detectors, landmarkers, aligners and embedders in core's registry on import.
// Only those whose weights are bundled (@facekit/models): the Keras-h5 embedders need a file system.
import '@facekit/detect';
import '@facekit/align';
import '@facekit/pretrained';

import {
  type AnalyzeOptions,
  createPlatform,
  type PlatformBinding,
  type PlatformCallOptions,
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

/**
 * Options of `analyze()` in the browser: the pipeline's plus the actions and analysers.
 *
 * @example
 * const o: WebAnalyzeOptions = { actions: ['age', 'gender', 'emotion'], all: true };
 */
export type WebAnalyzeOptions = WebOptions & AnalyzeOptions;

/** The browser's binding: createImageBitmap decoding, wasm / webgl, model files fetched and kept in the Cache API. */
const webBinding: PlatformBinding<ImageInput, WebOptions> = {
  options: WEB_OPTIONS,
  ensureBackend: (preference) => ensureBackend(preference as BackendPreference | undefined),
  withImages,
  modelContext: (o) => webModelContext({ modelsBaseUrl: o.modelsBaseUrl }),
};

/**
 * The browser API (verify, represent, detect, analyze, createPipeline, disposeAll, …) over the browser's binding:
 * the same functions as `@facekit/node`, made by the one `createPlatform` of core.
 *
 * @example
 * const r = await webPlatform.verify(imgA, imgB);
 */
export const webPlatform = createPlatform(webBinding);
