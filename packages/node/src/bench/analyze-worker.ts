// Worker-thread entry for `facekit bench speed --analyze`: facekit's analyze() with the given actions on every face
// of each image, on this worker's own tfjs instance (wasm is single-threaded in Node).
import '../register-models.js';
import type { AnalysisAction } from '@facekit/core';
import { analyze } from '../index.js';

/** Faces analysed per image; an image without a face counts 0 (errors travel as data across the thread boundary). */
export default async function analyzeTask(task: {
  paths: string[];
  actions: AnalysisAction[];
}): Promise<{ ok: true; faces: number[] } | { ok: false; code: string; message: string }> {
  try {
    const faces: number[] = [];
    for (const p of task.paths) {
      try {
        faces.push((await analyze(p, { all: true, actions: task.actions, backend: 'wasm' })).length);
      } catch (e) {
        if ((e as { code?: string }).code !== 'E_NO_FACE') throw e;
        faces.push(0);
      }
    }
    return { ok: true, faces };
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    return {
      ok: false,
      code: typeof err.code === 'string' ? err.code : 'E_INTERNAL',
      message: String(err.message ?? e),
    };
  }
}
