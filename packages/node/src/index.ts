import './register-models.js';

import { type Face, type Representation, throwIfAborted } from '@facekit/core';
import { ensureBackend } from './backend.js';
import { type ImageInput, withImages } from './decode.js';
import { type NodeOptions, validateOptions } from './options.js';
import { cachedPipeline, type NodeVerifyResult } from './pipeline.js';

// Everything of core (FaceKitError, metrics, compareEmbeddings, the models registry, types), so one import does.
export * from '@facekit/core';
export { activeBackend, type BackendPreference, ensureBackend } from './backend.js';
export { DEFAULT_MAX_PIXELS, type DecodeOptions, decodeImageBytes, type ImageInput, toImageTensor } from './decode.js';
export { bundledModelsDir, folderFileLoader, nodeModelContext, weightsCacheDir } from './model-context.js';
export type { NodeOptions } from './options.js';
export {
  NodeWeightsStore,
  type NodeWeightsStoreOptions,
  type PullOptions,
  type PullResult,
  type WeightsListing,
} from './weights/store.js';
export { type CallOptions, createPipeline, disposeAll, NodePipeline, type NodeVerifyResult } from './pipeline.js';
// Persistent galleries, HNSW, image enrol / identify / cluster. Their native packages (better-sqlite3, usearch, pg)
// are optional peers, loaded on first use: importing this entry never needs them.
export * from './gallery/index.js';

function split(options: NodeOptions | undefined) {
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
 * Are the two images of the same person? Detects the largest face in each, aligns, embeds, compares.
 * Models load on the first call and are cached per configuration.
 *
 * @example
 * import { verify } from '@facekit/node';
 * const r = await verify('alice1.jpg', 'alice2.jpg');
 * console.log(r.verified, r.distance, r.threshold, r.confidence);
 */
export async function verify(img1: ImageInput, img2: ImageInput, options?: NodeOptions): Promise<NodeVerifyResult> {
  const { o, call } = split(options);
  await ensureBackend(o.backend);
  const t0 = performance.now();
  // Decode first: a bad input fails before any model is loaded. Model loading is not counted in timeMs.
  return withImages([img1, img2], o, async ([a, b]) => {
    const decodeMs = performance.now() - t0;
    const pipeline = await cachedPipeline(o);
    const r = await pipeline.verify(a, b, call);
    return { ...r, timeMs: r.timeMs + decodeMs };
  });
}

/**
 * The embedding of the largest face (or of every face with `all: true`), with its box and detector score.
 *
 * @example
 * const [{ embedding }] = await represent('alice.jpg', { embedder: 'mobilefacenet' });
 * embedding.vector.length; // 192
 */
export async function represent(
  image: ImageInput,
  options?: NodeOptions & { all?: boolean },
): Promise<Representation[]> {
  const { o, call } = split(options);
  await ensureBackend(o.backend);
  return withImages([image], o, async ([t]) => (await cachedPipeline(o)).represent(t, { ...call, all: options?.all }));
}

/**
 * All faces in an image, largest first, with the five alignment points and (with a landmarker) 68 landmarks.
 *
 * @example
 * const faces = await detect('group.jpg');
 * faces.map((f) => f.box); // [{ x, y, width, height }, ...]
 */
export async function detect(image: ImageInput, options?: NodeOptions): Promise<Face[]> {
  const { o, call } = split(options);
  await ensureBackend(o.backend);
  return withImages([image], o, async ([t]) =>
    (await cachedPipeline(o)).detect(t, { signal: call.signal, backend: call.backend }),
  );
}
