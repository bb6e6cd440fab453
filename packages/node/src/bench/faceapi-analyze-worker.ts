// Worker-thread entry for `facekit bench speed --analyze`: @vladmandic/face-api's age/gender/expression pipeline
// (SSD-MobileNetV1 → AgeGenderNet + FaceExpressionNet on every detected face) on its own tfjs instance with the
// wasm backend. face-api and @tensorflow/tfjs are not dependencies of @facekit/node: loaded only here.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

const require = createRequire(import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: face-api's bundle ships no types we can import here
let runtime: Promise<{ faceapi: any; tf: any }> | undefined;

async function load() {
  const tf = require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  await tf.setBackend('wasm');
  await tf.ready();
  const dir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(dir);
  await faceapi.nets.ageGenderNet.loadFromDisk(dir);
  await faceapi.nets.faceExpressionNet.loadFromDisk(dir);
  return { faceapi, tf };
}

/** Decodes each file and runs detectAllFaces().withAgeAndGender().withFaceExpressions(); faces found per image. */
export default async function faceApiAnalyzeTask(task: { paths: string[] }): Promise<number[]> {
  runtime ??= load();
  const { faceapi, tf } = await runtime;
  const found: number[] = [];
  for (const p of task.paths) {
    const { data, info } = await sharp(p).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const t = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
    try {
      const r = await faceapi
        .detectAllFaces(t, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 }))
        .withAgeAndGender()
        .withFaceExpressions();
      found.push(r.length);
    } finally {
      t.dispose();
    }
  }
  return found;
}
