// face-api.js's Tiny Face Detector and SSD MobileNetV1 written out in tfjs: boxes checked against
// @vladmandic/face-api's own implementation on LFW images (run in a child process: it bundles its own tfjs).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { models } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsdMobilenetDetector, TinyFaceDetector } from '../src/index.js';
import { haveShared, lfwDir, lfwImage, modelContext } from '../../../test/utils.js';
import { count, firstDevTrainImages, readLfw } from './lfw-images.js';

type Box = { x: number; y: number; width: number; height: number; score: number };

function iou(a: Box, b: Box): number {
  const iw = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const ih = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (iw <= 0 || ih <= 0) return 0;
  return (iw * ih) / (a.width * a.height + b.width * b.height - iw * ih);
}

const kinds = [
  { name: 'tiny-face', ref: 'tiny', load: () => TinyFaceDetector.load(modelContext) },
  { name: 'ssd-mobilenet', ref: 'ssd', load: () => SsdMobilenetDetector.load(modelContext) },
] as const;

describe.each(kinds)('$name (synthetic inputs)', ({ name: detectorName, load }) => {
  let tiny: TinyFaceDetector | SsdMobilenetDetector;
  beforeAll(async () => {
    tiny = await load();
  });
  afterAll(() => tiny.dispose());

  it('is registered, finds nothing in blank or flat images, checks its options, frees its tensors', async () => {
    expect(models.detectors.get(detectorName).description).toMatch(/@vladmandic\/face-api/);
    const before = tf.memory().numTensors;
    const images = [tf.zeros([300, 300, 3], 'int32'), tf.fill([240, 320, 3], 128, 'int32'), tf.zeros([1, 1, 3])];
    for (const img of images) expect(await tiny.detect(img as tf.Tensor3D)).toEqual([]);
    await expect(tiny.detect(images[0] as tf.Tensor3D, { minScore: 2 })).rejects.toMatchObject({ code: 'E_CONFIG' });
    tf.dispose(images);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.skipIf(!haveShared(lfwDir, 'LFW (box detectors vs face-api.js)')).each(kinds)(
  '$name on LFW',
  ({ ref: kind, load }) => {
    let tiny: TinyFaceDetector | SsdMobilenetDetector;
    beforeAll(async () => {
      tiny = await load();
    });
    afterAll(() => tiny.dispose());

    it("gives face-api.js's boxes (IoU > 0.99, score within 0.001) and five points on the face", async () => {
      const names = await firstDevTrainImages(count(8, 2));
      const script = fileURLToPath(new URL('./faceapi-detect.cjs', import.meta.url));
      const paths = names.map(([n, i]) => lfwImage(n, i));
      const reference = JSON.parse(
        execFileSync(process.execPath, [script, kind, ...paths], { encoding: 'utf8' }),
      ) as Box[][];
      const before = tf.memory().numTensors;
      let matched = 0;
      for (const [k, name] of names.entries()) {
        const image = await readLfw(name);
        const raw = await tiny.boxes(image);
        const faces = await tiny.detect(image);
        image.dispose();
        expect(raw.length, name.join('_')).toBe(reference[k].length);
        expect(faces.length).toBeLessThanOrEqual(raw.length);
        for (const ref of reference[k]) {
          const mine = raw.map(({ box: b, score }) => ({
            x: b[0],
            y: b[1],
            width: b[2] - b[0],
            height: b[3] - b[1],
            score,
          }));
          const best = mine.reduce((b, m) => (iou(m, ref) > iou(b, ref) ? m : b), mine[0]);
          expect(iou(best, ref)).toBeGreaterThan(0.99);
          expect(Math.abs(best.score - ref.score)).toBeLessThan(1e-3);
          matched++;
        }
        for (const f of faces) {
          if (!f.five) continue;
          // Eyes inside the box's upper part, mouth below the eyes.
          expect(f.five[0][0]).toBeGreaterThan(f.box.x);
          expect(f.five[1][0]).toBeLessThan(f.box.x + f.box.width);
          expect(f.five[3][1]).toBeGreaterThan(f.five[0][1]);
        }
      }
      expect(matched).toBeGreaterThanOrEqual(names.length);
      expect(tf.memory().numTensors).toBe(before);
    });
  },
);
