// FaceMesh on real LFW images: plausibility of the points, and geometric consistency under flips and rotations.
import { type Face, models, type Point } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlazeFaceDetector, FaceMeshLandmarker, type MeshFace } from '../src/index.js';
import { haveShared, lfwDir, modelContext } from '../../../test/utils.js';
import { count, dist, firstDevTrainImages, readLfw, rotate, rotatePoint } from './lfw-images.js';

/** iBUG 68 mirror permutation: point i of a face corresponds to point MIRROR_68[i] of its mirror image. */
const MIRROR_68 = [
  16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 27, 28, 29, 30, 35,
  34, 33, 32, 31, 45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40, 54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55, 64,
  63, 62, 61, 60, 67, 66, 65,
];
const MIRROR_5 = [1, 0, 2, 4, 3];

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const centroid = (pts: Point[]): Point => [mean(pts.map((p) => p[0])), mean(pts.map((p) => p[1]))];

/** Largest face: what the pipeline embeds. */
async function largest(detector: BlazeFaceDetector, image: tf.Tensor3D): Promise<Face> {
  const faces = await detector.detect(image);
  expect(faces.length).toBeGreaterThan(0);
  return faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
}

describe.runIf(haveShared(lfwDir, 'LFW'))('FaceMeshLandmarker on LFW', () => {
  let detector: BlazeFaceDetector;
  let mesh: FaceMeshLandmarker;
  let images: tf.Tensor3D[];
  beforeAll(async () => {
    detector = await BlazeFaceDetector.load(modelContext);
    mesh = await FaceMeshLandmarker.load(modelContext);
    images = await Promise.all((await firstDevTrainImages(count(16, 4))).map(readLfw));
  });
  afterAll(() => {
    detector.dispose();
    mesh.dispose();
    tf.dispose(images);
  });

  it('is registered under "facemesh"', async () => {
    const l = await models.landmarkers.get('facemesh').create(modelContext);
    expect(l.name).toBe('facemesh');
    l.dispose();
  });

  it('fills mesh, 68 landmarks and five plausible points', async () => {
    for (const image of images) {
      const face = await largest(detector, image);
      const r: MeshFace = await mesh.refine(image, face);
      expect(r.box).toEqual(face.box);
      expect(r.meshScore).toBeGreaterThan(0.5);
      expect(r.mesh).toHaveLength(468);
      expect(r.landmarks).toHaveLength(68);
      const lm = r.landmarks!;
      const [re, le, nose, mr, ml] = r.five!;
      // Image-left eye left of the image-right eye; eyes above the nose tip above the mouth corners.
      expect(re[0]).toBeLessThan(le[0]);
      expect(Math.max(re[1], le[1])).toBeLessThan(nose[1]);
      expect(nose[1]).toBeLessThan(Math.min(mr[1], ml[1]));
      expect(mr[0]).toBeLessThan(ml[0]);
      const iod = dist(re, le);
      expect(iod).toBeGreaterThan(28); // deep-funneled LFW: ~40 px between eye centres
      expect(iod).toBeLessThan(60);
      // The five points agree with their 68-point counterparts.
      expect(dist(re, centroid(lm.slice(36, 42)))).toBeLessThan(0.15 * iod);
      expect(dist(le, centroid(lm.slice(42, 48)))).toBeLessThan(0.15 * iod);
      expect(dist(nose, lm[30])).toBeLessThan(0.01);
      expect(dist(mr, lm[48])).toBeLessThan(0.01);
      // 68-point anatomy: jaw runs image-left → chin → image-right; brows above eyes; chin lowest.
      expect(lm[0][0]).toBeLessThan(lm[8][0]);
      expect(lm[8][0]).toBeLessThan(lm[16][0]);
      expect(Math.max(...lm.map((p) => p[1]))).toBeCloseTo(Math.max(lm[7][1], lm[8][1], lm[9][1]), 5);
      expect(mean(lm.slice(17, 22).map((p) => p[1]))).toBeLessThan(mean(lm.slice(36, 42).map((p) => p[1])));
      expect(mean(lm.slice(22, 27).map((p) => p[1]))).toBeLessThan(mean(lm.slice(42, 48).map((p) => p[1])));
      // The mesh lies on the face: its centre near the detector box centre, its width about the box's.
      const [mx, my] = centroid(r.mesh!.map((p) => [p[0], p[1]]));
      expect(Math.abs(mx - (face.box.x + face.box.width / 2))).toBeLessThan(0.2 * face.box.width);
      expect(Math.abs(my - (face.box.y + face.box.height / 2))).toBeLessThan(0.3 * face.box.height);
    }
  });

  it('mirrors the points when the image is flipped (within a few px)', async () => {
    const errors5: number[] = [];
    const errors68: number[] = [];
    for (const image of images) {
      const width = image.shape[1];
      const flipped = tf.reverse(image, 1) as tf.Tensor3D;
      const a = await mesh.refine(image, await largest(detector, image));
      const b = await mesh.refine(flipped, await largest(detector, flipped));
      flipped.dispose();
      const mirror = (p: Point): Point => [width - 1 - p[0], p[1]];
      for (const [i, p] of a.five!.entries()) errors5.push(dist(mirror(p), b.five![MIRROR_5[i]]));
      for (const [i, p] of a.landmarks!.entries()) errors68.push(dist(mirror(p), b.landmarks![MIRROR_68[i]]));
    }
    console.log(
      `flip: five mean ${mean(errors5).toFixed(2)} max ${Math.max(...errors5).toFixed(2)} px; ` +
        `68 mean ${mean(errors68).toFixed(2)} max ${Math.max(...errors68).toFixed(2)} px`,
    );
    expect(mean(errors5)).toBeLessThan(1.5);
    expect(Math.max(...errors5)).toBeLessThan(4);
    expect(mean(errors68)).toBeLessThan(2);
    expect(Math.max(...errors68)).toBeLessThan(6);
  });

  it('rotates the points with the image (20°, within a few px)', async () => {
    const errors: number[] = [];
    for (const image of images) {
      const [h, w] = image.shape;
      const turned = rotate(image, 20);
      const a = await mesh.refine(image, await largest(detector, image));
      const b = await mesh.refine(turned, await largest(detector, turned));
      turned.dispose();
      for (const [i, p] of a.five!.entries()) errors.push(dist(rotatePoint(p, 20, w, h), b.five![i]));
    }
    console.log(`rotate 20°: five mean ${mean(errors).toFixed(2)} max ${Math.max(...errors).toFixed(2)} px`);
    expect(mean(errors)).toBeLessThan(1);
    expect(Math.max(...errors)).toBeLessThan(3);
  });

  it('keeps a 90°-rolled face upright in its own frame (the crop follows the eyes)', async () => {
    const image = images[0];
    const [h, w] = image.shape;
    const turned = rotate(image, 90);
    const a = await mesh.refine(image, await largest(detector, image));
    const b = await mesh.refine(turned, await largest(detector, turned));
    turned.dispose();
    expect(b.landmarks).toBeDefined();
    for (const [i, p] of a.five!.entries()) expect(dist(rotatePoint(p, 90, w, h), b.five![i])).toBeLessThan(4);
  });

  it('two looks (passes: 2) agree with the default and are steadier under rotation', async () => {
    const two = await FaceMeshLandmarker.load(modelContext, { passes: 2 });
    const face = await largest(detector, images[1]);
    const r1 = await mesh.refine(images[1], face);
    const r2 = await two.refine(images[1], face);
    for (const [i, p] of r1.five!.entries()) expect(dist(p, r2.five![i])).toBeLessThan(3);
    const errors = { auto: [] as number[], two: [] as number[] };
    for (const image of images) {
      const [h, w] = image.shape;
      const turned = rotate(image, 20);
      const [f, g] = [await largest(detector, image), await largest(detector, turned)];
      for (const [name, m] of [
        ['auto', mesh],
        ['two', two],
      ] as const) {
        const a = await m.refine(image, f);
        const b = await m.refine(turned, g);
        for (const [i, p] of a.five!.entries()) errors[name].push(dist(rotatePoint(p, 20, w, h), b.five![i]));
      }
      turned.dispose();
    }
    two.dispose();
    console.log(
      `rotate 20°, five points: default (one look when upright) mean ${mean(errors.auto).toFixed(2)} px, ` +
        `two looks ${mean(errors.two).toFixed(2)} px`,
    );
    expect(mean(errors.two)).toBeLessThan(mean(errors.auto));
  });

  it('keeps the detector face, without landmarks, when the mesh sees no face', async () => {
    const blank = tf.fill([250, 250, 3], 128, 'int32') as tf.Tensor3D;
    const face = await largest(detector, images[0]);
    const r = await mesh.refine(blank, face);
    blank.dispose();
    expect(r.meshScore).toBeLessThan(0.5);
    expect(r.landmarks).toBeUndefined();
    expect(r.mesh).toBeUndefined();
    expect(r.five).toEqual(face.five);
    expect(r.box).toEqual(face.box);
  });

  it('handles a face cut by the border and a face box from elsewhere (no keypoints)', async () => {
    const cut = tf.slice(images[0], [0, 90, 0], [250, 160, 3]) as tf.Tensor3D;
    const r = await mesh.refine(cut, await largest(detector, cut));
    cut.dispose();
    expect(r.landmarks).toHaveLength(68);
    const a = await mesh.refine(images[0], await largest(detector, images[0]));
    // The visible eye (image-right) stays put.
    expect(dist(r.five![1], [a.five![1][0] - 90, a.five![1][1]])).toBeLessThan(4);

    const plain: Face = { box: { x: 70, y: 75, width: 110, height: 110 }, score: 1, detector: 'manual' };
    const m = await mesh.refine(images[0], plain);
    expect(m.landmarks).toHaveLength(68);
    for (const [i, p] of a.five!.entries()) expect(dist(p, m.five![i])).toBeLessThan(3);
  });

  it(`leaks no tensors over ${count(50, 8)} detect + refine calls`, async () => {
    await mesh.refine(images[0], await largest(detector, images[0]));
    const before = tf.memory().numTensors;
    for (let i = 0; i < count(50, 8); i++) {
      const image = images[i % images.length];
      for (const f of await detector.detect(image)) await mesh.refine(image, f);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
