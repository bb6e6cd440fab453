import { FaceKitError } from '@facekit/core';

/**
 * Where the browser finds its files. Everything is served by your app (no CDN at run time): set these once,
 * before the first call.
 *
 * @example
 * import { env } from '@facekit/web';
 * env.modelsBaseUrl = '/static/facekit/models/';
 * env.wasmPaths = '/static/facekit/wasm/';
 */
export interface WebEnv {
  /** Base URL of the model files (the contents of `@facekit/models/models/`). Relative to the page. */
  modelsBaseUrl: string;
  /**
   * Folder (ending in `/`) of the tfjs wasm binaries (`tfjs-backend-wasm*.wasm` from
   * `@tensorflow/tfjs-backend-wasm/dist/`), or a file map as tfjs' `setWasmPaths` takes it.
   */
  wasmPaths: string | Record<string, string>;
  /**
   * Worker threads of the wasm backend when the page is cross-origin isolated. Undefined = tfjs' choice (half the
   * logical cores, at least 1). Without isolation the wasm backend is single-threaded whatever this says.
   */
  wasmThreads?: number;
  /** Keep fetched model files in the Cache API so a second visit does not download them again. */
  cacheModels: boolean;
  /** Cache API bucket; change it (e.g. add a version) when the hosted model files change. */
  cacheName: string;
}

/**
 * The browser build's settings (where model files and wasm binaries are served, model caching); see WebEnv.
 *
 * @example
 * env.modelsBaseUrl = '/static/facekit/models/';
 * env.cacheName = 'facekit-models-v2';
 */
export const env: WebEnv = {
  modelsBaseUrl: '/models/',
  wasmPaths: '/wasm/',
  cacheModels: true,
  cacheName: 'facekit-models-v1',
};

/** Resolves a configured base URL against the page, so relative settings work from any route. */
export function resolveBaseUrl(base: string, what: string): string {
  if (typeof base !== 'string' || base === '') throw new FaceKitError('E_CONFIG', `${what} must be a non-empty URL`);
  const withSlash = base.endsWith('/') ? base : `${base}/`;
  try {
    return new URL(withSlash, globalThis.location?.href ?? undefined).href;
  } catch (cause) {
    throw new FaceKitError('E_CONFIG', `${what} '${base}' is not a valid URL`, { cause });
  }
}
