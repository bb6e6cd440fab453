// What the benchmarks' face-api worker threads share: @vladmandic/face-api on its own tfjs instance with the wasm
// backend, and the per-image loop. face-api and @tensorflow/tfjs are not dependencies of @facekit/node: they are
// loaded only in these workers, only for the comparison.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

const require = createRequire(import.meta.url);

/** face-api and its tfjs, as loaded (their bundles ship no types we can import here). */
export interface FaceApiRuntime {
  // biome-ignore lint/suspicious/noExplicitAny: face-api's bundle ships no types we can import here
  faceapi: any;
  // biome-ignore lint/suspicious/noExplicitAny: same
  tf: any;
}

async function loadFaceApi(nets: readonly string[]): Promise<FaceApiRuntime> {
  const tf = require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  await tf.setBackend('wasm');
  await tf.ready();
  const dir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  for (const net of nets) await faceapi.nets[net].loadFromDisk(dir);
  return { faceapi, tf };
}

/**
 * A worker task that loads face-api with `nets` (from its bundled model folder) on first use, then decodes each file
 * and runs `pipeline` on it; returns the faces found per image.
 *
 * @example
 * export default faceApiTask(['ssdMobilenetv1'], (faceapi, image) => faceapi.detectAllFaces(image));
 */
export function faceApiTask(
  nets: readonly string[],
  // biome-ignore lint/suspicious/noExplicitAny: face-api's bundle ships no types we can import here
  pipeline: (faceapi: any, image: unknown) => Promise<unknown[]>,
): (task: { paths: string[] }) => Promise<number[]> {
  let runtime: Promise<FaceApiRuntime> | undefined;
  return async (task) => {
    runtime ??= loadFaceApi(nets);
    const { faceapi, tf } = await runtime;
    const found: number[] = [];
    for (const p of task.paths) {
      const { data, info } = await sharp(p).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const t = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
      try {
        found.push((await pipeline(faceapi, t)).length);
      } finally {
        t.dispose();
      }
    }
    return found;
  };
}
