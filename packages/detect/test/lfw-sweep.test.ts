// The whole of LFW View 2 (7,701 images, ~5 min on wasm): opt-in, FACEKIT_DETECT_SWEEP=1 (or a number of images).
//   FACEKIT_DETECT_SWEEP=1 npx vitest run --project detect packages/detect/test/lfw-sweep.test.ts
import { join } from 'node:path';
import type { Face } from '@facekit/core';
import { describe, expect, it } from 'vitest';
import { BlazeFaceDetector, FaceMeshLandmarker } from '../src/index.js';
import { haveShared, lfwDir, modelContext, readPairs } from '../../../test/utils.js';
import { dist, readLfw } from './lfw-images.js';

const sweep = process.env.FACEKIT_DETECT_SWEEP;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

describe.runIf(sweep && haveShared(lfwDir, 'LFW'))('LFW View 2 sweep', () => {
  it('detects the subject of every image and meshes nearly all', { timeout: 3_600_000 }, async () => {
    const detector = await BlazeFaceDetector.load(modelContext);
    const mesh = await FaceMeshLandmarker.load(modelContext);
    const seen = new Set<string>();
    const ids: Array<[string, number]> = [];
    for (const p of await readPairs(join(lfwDir, 'pairs.txt'))) {
      for (const id of [p.a, p.b]) if (!seen.has(id.join('/')) && seen.add(id.join('/'))) ids.push(id);
    }
    const list = ids.slice(0, Number(sweep) > 1 ? Number(sweep) : ids.length);
    const missed: string[] = [];
    const noMesh: string[] = [];
    let multi = 0;
    let largestNotSubject = 0;
    let detectMs = 0;
    let meshMs = 0;
    for (const id of list) {
      const image = await readLfw(id);
      const t0 = cpuMs();
      const faces = await detector.detect(image);
      const t1 = cpuMs();
      const centre = (f: Face) => [f.box.x + f.box.width / 2, f.box.y + f.box.height / 2];
      const subject = faces.filter((f) => dist(centre(f), [125, 125]) < 45)[0];
      const largest = [...faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
      if (faces.length > 1) multi++;
      if (largest && largest !== subject) largestNotSubject++;
      if (!subject) missed.push(id.join('/'));
      else {
        const r = await mesh.refine(image, subject);
        if (!r.landmarks) noMesh.push(id.join('/'));
      }
      meshMs += cpuMs() - t1;
      detectMs += t1 - t0;
      image.dispose();
    }
    console.log(
      `LFW View 2: ${list.length} images, subject missed in ${missed.length} [${missed.join(' ')}], ` +
        `FaceMesh no-face on ${noMesh.length} [${noMesh.join(' ')}], ${multi} with several faces ` +
        `(largest ≠ subject in ${largestNotSubject}); CPU ms/image: detect ${(detectMs / list.length).toFixed(1)}, ` +
        `FaceMesh ${(meshMs / list.length).toFixed(1)}`,
    );
    detector.dispose();
    mesh.dispose();
    expect(missed).toEqual([]);
    expect(noMesh.length).toBeLessThanOrEqual(Math.ceil(list.length / 1000));
  });
});
