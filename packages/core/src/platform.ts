import { analyzeOnPlatform, disposeAnalyzers } from './analyze/platform.js';
import type { AnalyzeOptions, FaceAnalysis } from './analyze/types.js';
import type { Representation } from './pipeline.js';
import {
  PlatformApi,
  type PlatformBinding,
  type PlatformOptions,
  type PlatformPipeline,
  type PlatformVerifyResult,
} from './platform-api.js';
import type { Face } from './types.js';

/**
 * The functions an application calls, the same on every platform: `@facekit/node` and `@facekit/web` each export
 * the members of one `createPlatform(binding)`, so the two facades cannot drift apart.
 *
 * @example
 * const { verify, disposeAll } = createPlatform(nodeBinding);
 */
export interface Platform<Input, O extends PlatformOptions> {
  /** The shared state: one cached pipeline per model configuration. */
  readonly api: PlatformApi<Input, O>;
  /**
   * Are the two images of the same person? Detects a face in each (the largest, or see `pick`), aligns, embeds,
   * compares. Models load on the first call and are cached per configuration.
   */
  verify(img1: Input, img2: Input, options?: O): Promise<PlatformVerifyResult>;
  /** The embedding of the chosen face (or of every face with `all: true`), with its box and detector score. */
  represent(image: Input, options?: O): Promise<Representation[]>;
  /** All faces in an image, largest first, with the five alignment points and (with a landmarker) 68 landmarks. */
  detect(image: Input, options?: O): Promise<Face[]>;
  /**
   * Age, gender, emotion, race, spoof and liveness of the chosen face (as verify picks it) or, with `all: true`, of
   * every face: one result per face with a value and the distribution per action.
   */
  analyze(image: Input, options?: O & AnalyzeOptions): Promise<FaceAnalysis[]>;
  /** Frees the analysers `analyze()` loaded (`disposeAll()` frees the pipelines). */
  disposeAnalysis(): Promise<void>;
  /** Loads a pipeline that you own: reuse it for many calls and `dispose()` it when done. */
  createPipeline(options?: O): Promise<PlatformPipeline<Input, O>>;
  /**
   * Disposes every pipeline facekit created (the shared ones and those from createPipeline) and empties the cache;
   * the next call loads models again. Do not call it while calls are in flight.
   */
  disposeAll(): void;
}

/**
 * One platform's API from its binding (decoding, backend, model files, option schema).
 *
 * @example
 * export const { verify, represent, detect, analyze, disposeAnalysis, createPipeline, disposeAll } =
 *   createPlatform(nodeBinding);
 */
export function createPlatform<Input, O extends PlatformOptions>(
  binding: PlatformBinding<Input, O>,
): Platform<Input, O> {
  const api = new PlatformApi(binding);
  return {
    api,
    verify: (img1, img2, options) => api.verify(img1, img2, options),
    represent: (image, options) => api.represent(image, options),
    detect: (image, options) => api.detect(image, options),
    analyze: (image, options) => analyzeOnPlatform(api, image, options),
    disposeAnalysis: () => disposeAnalyzers(api),
    createPipeline: (options) => api.createPipeline(options),
    disposeAll: () => api.disposeAll(),
  };
}
