import { type AnalyzeOptions, analyzeOnPlatform, disposeAnalyzers, type FaceAnalysis } from '@facekit/core';
import type { ImageInput } from './decode.js';
import type { NodeOptions } from './options.js';
import { nodeApi } from './pipeline.js';

/**
 * Options of `analyze()`: the pipeline's (detector, landmarker, pick, …) plus the actions and analysers.
 *
 * @example
 * const o: NodeAnalyzeOptions = { actions: ['age', 'gender', 'emotion', 'race'], all: true };
 */
export type NodeAnalyzeOptions = NodeOptions & AnalyzeOptions;

/**
 * Age, gender, emotion, race, spoof and liveness of the chosen face (as verify picks it) or, with `all: true`, of
 * every face: one result per face with a value and the distribution per action. Detection and landmarks are the
 * pipeline's (shared with verify for the same options); each analyser runs once per image on all faces.
 *
 * @example
 * import { analyze } from '@facekit/node';
 * const [face] = await analyze('photo.jpg', { actions: ['age', 'gender', 'emotion'] });
 * console.log(face.age, face.gender?.label, face.emotion?.dominant);
 */
export function analyze(image: ImageInput, options?: NodeAnalyzeOptions): Promise<FaceAnalysis[]> {
  return analyzeOnPlatform(nodeApi, image, options);
}

/**
 * Frees the analysers `analyze()` loaded (`disposeAll()` frees the pipelines).
 *
 * @example
 * await analyze('a.jpg');
 * await disposeAnalysis(); // tf.memory().numTensors drops by the analysers' weights
 */
export function disposeAnalysis(): Promise<void> {
  return disposeAnalyzers(nodeApi);
}
