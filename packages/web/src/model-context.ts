import type { ModelContext } from '@facekit/core';
import { env, resolveBaseUrl } from './env.js';
import { urlFileLoader } from './remote-model-files.js';

/**
 * The ModelContext of `@facekit/web`: model files fetched from `env.modelsBaseUrl` (or `modelsBaseUrl`),
 * cached in the Cache API when `env.cacheModels` is on. No file system: Keras-h5 embedders are not available.
 *
 * @example
 * const p = await FacePipeline.create(webModelContext(), { embedder: 'faceres' });
 */
export function webModelContext(options: { modelsBaseUrl?: string } = {}): ModelContext {
  const base = resolveBaseUrl(options.modelsBaseUrl ?? env.modelsBaseUrl, 'modelsBaseUrl');
  return { files: urlFileLoader(base, { cacheName: env.cacheModels ? env.cacheName : undefined }) };
}
