// Worker-thread entry for benchmarks: the wasm backend is single-threaded in Node, so each worker runs its own
// tfjs instance and the pool uses every core. Piscina calls the default export once per task.
import { type ImageEmbeddings, MultiEmbedder, type MultiEmbedderOptions } from './multi-embedder.js';

let embedder: Promise<MultiEmbedder> | undefined;
let key = '';

export default async function embedTask(task: {
  options: MultiEmbedderOptions;
  paths: string[];
}): Promise<ImageEmbeddings[]> {
  const k = JSON.stringify(task.options);
  if (!embedder || k !== key) {
    key = k;
    embedder = MultiEmbedder.create(task.options);
  }
  const m = await embedder;
  const out: ImageEmbeddings[] = [];
  for (const p of task.paths) out.push(await m.embedFile(p));
  return out;
}
