import './register-models.js';

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

/**
 * Options of `analyze()`: the pipeline's (detector, landmarker, pick, …) plus the actions and analysers.
 *
 * @example
 * const o: NodeAnalyzeOptions = { actions: ['age', 'gender', 'emotion', 'race'], all: true };
 */
export type NodeAnalyzeOptions = NodeOptions & AnalyzeOptions;

/** Node's binding: sharp decoding, tfjs-node / wasm / cpu, bundled model files and the weights store. */
const nodeBinding: PlatformBinding<ImageInput, NodeOptions> = {
  options: NODE_OPTIONS,
  ensureBackend: (preference) => ensureBackend(preference as BackendPreference | undefined),
  withImages,
  modelContext: (o) => nodeModelContext({ weightsPath: o.weightsPath }),
};

/**
 * The Node API (verify, represent, detect, analyze, createPipeline, disposeAll, …) over Node's binding: the same
 * functions as `@facekit/web`, made by the one `createPlatform` of core. The package root exports its members.
 *
 * @example
 * const r = await nodePlatform.verify('a.jpg', 'b.jpg');
 */
export const nodePlatform = createPlatform(nodeBinding);
