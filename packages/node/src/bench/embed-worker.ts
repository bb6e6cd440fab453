// Worker-thread entry for benchmarks: the wasm backend is single-threaded in Node, so each worker runs its own
// tfjs instance and the pool uses every core. Piscina calls the default export once per task.
import '../register-models.js';
import { type ImageEmbeddings, MultiEmbedder, type MultiEmbedderOptions } from './multi-embedder.js';

let embedder: Promise<MultiEmbedder> | undefined;
let key = '';

/** A task's outcome; errors travel as data because thrown FaceKitErrors do not survive the thread boundary. */
export type EmbedTaskResult = { ok: true; results: ImageEmbeddings[] } | { ok: false; code: string; message: string };

export default async function embedTask(task: {
  options: MultiEmbedderOptions;
  paths: string[];
}): Promise<EmbedTaskResult> {
  try {
    const k = JSON.stringify(task.options);
    if (!embedder || k !== key) {
      key = k;
      embedder = MultiEmbedder.create(task.options);
    }
    const m = await embedder;
    return { ok: true, results: await m.embedFiles(task.paths) };
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    return {
      ok: false,
      code: typeof err?.code === 'string' && err.code.startsWith('E_') ? err.code : 'E_INTERNAL',
      message: String(err?.message ?? e),
    };
  }
}
