// ms per LFW image (250×250) for detection alone and detection + FaceMesh, on the test backend (wasm by default).
// Run: npx vitest bench --run --project detect packages/detect/test/speed.bench.ts
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { BlazeFaceDetector, FaceMeshLandmarker } from '../src/index.js';
import { modelContext } from '../../../test/utils.js';
import { firstDevTrainImages, readLfw } from './lfw-images.js';

let detector: BlazeFaceDetector;
let mesh: FaceMeshLandmarker;
let mesh2: FaceMeshLandmarker;
let images: tf.Tensor3D[] = [];
let next = 0;
const image = () => images[next++ % images.length];

beforeAll(async () => {
  detector = await BlazeFaceDetector.load(modelContext);
  mesh = await FaceMeshLandmarker.load(modelContext);
  mesh2 = await FaceMeshLandmarker.load(modelContext, { passes: 2 });
  images = await Promise.all((await firstDevTrainImages(20)).map(readLfw));
});
afterAll(() => {
  detector.dispose();
  mesh.dispose();
  mesh2.dispose();
  tf.dispose(images);
});

const options = { time: 3000, warmupTime: 500 };
describe(`LFW 250×250 on ${tf.getBackend()}`, () => {
  bench(
    'detect',
    async () => {
      await detector.detect(image());
    },
    options,
  );
  bench(
    'detect + facemesh (default: 1 look upright)',
    async () => {
      const img = image();
      const [face] = await detector.detect(img);
      await mesh.refine(img, face);
    },
    options,
  );
  bench(
    'detect + facemesh (2 looks)',
    async () => {
      const img = image();
      const [face] = await detector.detect(img);
      await mesh2.refine(img, face);
    },
    options,
  );
});
