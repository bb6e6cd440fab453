// Real faces: LFW images through the pipeline's detector and FaceMesh (@facekit/detect), frontalised, and FaceMesh
// run again on the frontalised chips to measure how frontal they came out.
import { type AlignmentTemplate, type Face, models, type Point } from '@facekit/core';
import { FaceMeshLandmarker } from '@facekit/detect';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveShared, lfwDir, lfwImage, modelContext, readImageTensor } from '../../../test/utils.js';
import { fitAffineCamera, GENERIC_FACE_68 } from '../src/index.js';

const template: AlignmentTemplate = {
  size: [150, 150],
  source: 'landmarks51',
  points: GENERIC_FACE_68.slice(17).map(([x, y]): Point => [75 + 38 * x, 80 + 38 * y]),
};
/** Yaw in degrees of the affine camera that fits the generic face to 68 landmarks. */
const yawOf = (landmarks: Point[]) => {
  const P = fitAffineCamera(GENERIC_FACE_68, landmarks);
  return (Math.atan2(-P[2], P[0]) * 180) / Math.PI;
};

describe.runIf(haveShared(lfwDir, 'LFW'))('frontalisation of LFW faces', () => {
  let detector: Awaited<ReturnType<ReturnType<typeof models.detectors.get>['create']>>;
  let landmarker: Awaited<ReturnType<ReturnType<typeof models.landmarkers.get>['create']>>;
  // The yardstick on the chips always takes two looks: on a turned chip one look can read the yaw several degrees low.
  let meter: FaceMeshLandmarker;
  beforeAll(async () => {
    detector = await models.detectors.get('blazeface').create(modelContext);
    landmarker = await models.landmarkers.get('facemesh').create(modelContext);
    meter = await FaceMeshLandmarker.load(modelContext, { passes: 2 });
  });
  afterAll(() => {
    detector?.dispose();
    landmarker?.dispose();
    meter?.dispose();
  });

  async function face(name: string): Promise<{ image: tf.Tensor3D; face: Face }> {
    const image = await readImageTensor(lfwImage(name, 1));
    const [found] = await detector.detect(image, { minScore: 0.5 });
    return { image, face: await landmarker.refine(image, found) };
  }

  /** Yaw of the face in an aligned chip, measured by FaceMesh on the chip. */
  async function chipYaw(chip: tf.Tensor3D): Promise<number> {
    const box = { x: 15, y: 12, width: 120, height: 115 };
    const refined = await meter.refine(chip, { box, score: 1, detector: 'chip' });
    expect(refined.landmarks).toHaveLength(68);
    return yawOf(refined.landmarks!);
  }

  it('turns a face seen at ~40° frontal (FaceMesh on the chip measures < 8°; the 2D chip stays turned)', async () => {
    const { image, face: f } = await face('Aiysha_Smith');
    const inputYaw = yawOf(f.landmarks!);
    expect(Math.abs(inputYaw)).toBeGreaterThan(30);
    const yaws: Record<string, number> = {};
    for (const name of ['2d', '3d', '3d-dense', 'mesh']) {
      const aligner = await models.aligners.get(name).create(modelContext);
      const chip = aligner.align(image, f, template);
      yaws[name] = await chipYaw(chip);
      chip.dispose();
    }
    console.log(
      `Aiysha_Smith_0001: input yaw ${inputYaw.toFixed(1)}°, chips: ${JSON.stringify(yaws, (_, v) => (typeof v === 'number' ? +v.toFixed(1) : v))}`,
    );
    expect(Math.abs(yaws['2d'])).toBeGreaterThan(20);
    for (const name of ['3d', '3d-dense', 'mesh']) expect(Math.abs(yaws[name])).toBeLessThan(8);
    image.dispose();
  });

  it('leaves a frontal face close to its 2D alignment, without leaking', async () => {
    const { image, face: f } = await face('Aaron_Peirsol');
    expect(Math.abs(yawOf(f.landmarks!))).toBeLessThan(5);
    const two = await models.aligners.get('2d').create(modelContext);
    const ref = two.align(image, f, template);
    const other = await face('Aiysha_Smith');
    const otherChip = two.align(other.image, other.face, template);
    // Mean absolute difference in grey levels; another person's 2D chip as the scale of "different".
    const meanAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.mean(tf.abs(tf.sub(a, b))).dataSync()[0]);
    const unrelated = meanAbs(otherChip, ref);
    for (const name of ['3d', '3d-dense', 'mesh']) {
      const aligner = await models.aligners.get(name).create(modelContext);
      aligner.align(image, f, template).dispose();
      const before = tf.memory().numTensors;
      const out = aligner.align(image, f, template);
      const mad = meanAbs(out, ref);
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(mad).toBeLessThan(unrelated / 4);
    }
    tf.dispose([ref, image, otherChip, other.image]);
  });
});
