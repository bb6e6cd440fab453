import {
  type PlatformCallOptions,
  PlatformApi,
  type PlatformBinding,
  type PlatformPipeline,
  type PlatformVerifyResult,
} from '@facekit/core';
import { type BackendPreference, ensureBackend } from './backend.js';
import { type ImageInput, withImages } from './decode.js';
import { nodeModelContext } from './model-context.js';
import { NODE_OPTIONS, type NodeOptions } from './options.js';

/**
 * A verdict as the Node API returns it: core's VerifyResult plus the tfjs backend it ran on.
 *
 * @example
 * const r: NodeVerifyResult = await verify('a.jpg', 'b.jpg');
 * r.backend; // 'wasm'
 */
export type NodeVerifyResult = PlatformVerifyResult;

/**
 * Per-call options of a pipeline's methods.
 *
 * @example
 * const p = await createPipeline();
 * await p.verify('a.jpg', 'b.jpg', { metric: 'cosine', enforceDetection: false } satisfies CallOptions);
 */
export type CallOptions = PlatformCallOptions<NodeOptions>;

/**
 * A loaded pipeline that takes files, bytes or tensors. Holds its models until `dispose()`.
 *
 * @example
 * const p = await createPipeline({ embedder: 'faceres' });
 * const r = await p.verify('a.jpg', 'b.jpg'); // r.verified, r.distance, r.faces.img1.box
 * p.dispose();
 */
export type NodePipeline = PlatformPipeline<ImageInput, NodeOptions>;

/** Node's binding: sharp decoding, tfjs-node / wasm / cpu, bundled model files and the weights store. */
const nodeBinding: PlatformBinding<ImageInput, NodeOptions> = {
  options: NODE_OPTIONS,
  ensureBackend: (preference) => ensureBackend(preference as BackendPreference | undefined),
  withImages,
  modelContext: (o) => nodeModelContext({ weightsPath: o.weightsPath }),
};

/** The shared Node API state: one pipeline per model configuration. */
export const nodeApi = new PlatformApi(nodeBinding);

/**
 * Loads a pipeline that you own: reuse it for many calls and `dispose()` it when done.
 * (The top-level `verify` / `represent` / `detect` share cached pipelines instead.)
 *
 * @example
 * const p = await createPipeline({ embedder: 'faceres', align: '2d' });
 * try { console.log(await p.verify('a.jpg', 'b.jpg')); } finally { p.dispose(); }
 */
export function createPipeline(options: NodeOptions = {}): Promise<NodePipeline> {
  return nodeApi.createPipeline(options);
}

/**
 * Disposes every pipeline facekit created (the shared ones and those from createPipeline) and empties the cache;
 * the next call loads models again. Do not call it while calls are in flight.
 *
 * @example
 * await verify('a.jpg', 'b.jpg');
 * disposeAll(); // tf.memory().numTensors is back to what it was before
 */
export function disposeAll(): void {
  nodeApi.disposeAll();
}
