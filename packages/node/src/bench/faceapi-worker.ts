// Worker-thread entry for `facekit bench speed`: @vladmandic/face-api's usual pipeline (SSD-MobileNetV1 → 68
// landmarks → ResNet-34 descriptor) on its own tfjs instance with the wasm backend. face-api and @tensorflow/tfjs are
// not dependencies of @facekit/node; they are loaded only here, only for the comparison.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

const require = createRequire(import.meta.url);

interface FaceApiRuntime {
  // biome-ignore lint/suspicious/noExplicitAny: face-api's bundle ships no types we can import here
  faceapi: any;
  // biome-ignore lint/suspicious/noExplicitAny: same
  tf: any;
}

let runtime: Promise<FaceApiRuntime> | undefined;

async function load(): Promise<FaceApiRuntime> {
  const tf = require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  await tf.setBackend('wasm');
  await tf.ready();
  const dir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(dir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(dir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(dir);
  return { faceapi, tf };
}

/** Decodes each file and runs face-api's detect → landmarks → descriptor; returns the faces found per image. */
export default async function faceApiTask(task: { paths: string[] }): Promise<number[]> {
  runtime ??= load();
  const { faceapi, tf } = await runtime;
  const found: number[] = [];
  for (const p of task.paths) {
    const { data, info } = await sharp(p).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const t = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
    try {
      const r = await faceapi
        .detectAllFaces(t, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 }))
        .withFaceLandmarks()
        .withFaceDescriptors();
      found.push(r.length);
    } finally {
      t.dispose();
    }
  }
  return found;
}
