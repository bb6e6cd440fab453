import { type AnalyzeOptions, analyzeOnPlatform, disposeAnalyzers, type FaceAnalysis } from '@facekit/core';
import type { ImageInput } from './decode.js';
import type { WebOptions } from './options.js';
import { webApi } from './pipeline.js';

/**
 * Options of `analyze()` in the browser: the pipeline's plus the actions and analysers.
 *
 * @example
 * const o: WebAnalyzeOptions = { actions: ['age', 'gender', 'emotion'], all: true };
 */
export type WebAnalyzeOptions = WebOptions & AnalyzeOptions;

/**
 * Age, gender, emotion, race, spoof and liveness of the chosen face (or every face with `all: true`) of an image,
 * canvas, video frame or file; analyser weights load from `env.modelsBaseUrl` like the other models.
 *
 * @example
 * import { analyze } from '@facekit/web';
 * const [face] = await analyze(document.querySelector('img')!, { actions: ['age', 'gender', 'emotion'] });
 * console.log(face.age, face.gender?.label, face.emotion?.dominant);
 */
export function analyze(image: ImageInput, options?: WebAnalyzeOptions): Promise<FaceAnalysis[]> {
  return analyzeOnPlatform(webApi, image, options);
}

/**
 * Frees the analysers `analyze()` loaded (`disposeAll()` frees the pipelines).
 *
 * @example
 * await disposeAnalysis();
 */
export function disposeAnalysis(): Promise<void> {
  return disposeAnalyzers(webApi);
}
