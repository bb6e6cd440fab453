// End to end on real LFW images: the Node API with the default models (BlazeFace → FaceMesh → 2D → dlib ResNet).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  createPipeline,
  DEFAULT_EMBEDDER,
  detect,
  disposeAll,
  FaceKitError,
  models,
  represent,
  verify,
} from '@facekit/node';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { haveShared, lfwDir, lfwImage, readImageTensor } from '../../../test/utils.js';
import { expectCode, portraitWithBystander } from './helpers.js';

const same: [string, string] = [lfwImage('Abdullah_Gul', 13), lfwImage('Abdullah_Gul', 14)];
const other = lfwImage('Aaron_Eckhart', 1);

afterAll(() => disposeAll());

describe.runIf(haveShared(lfwDir, 'LFW'))('Node API end to end (LFW)', () => {
  it('verify: same person and different people, with the evidence', async () => {
    const r = await verify(...same);
    expect(r).toMatchObject({
      verified: true,
      embedder: DEFAULT_EMBEDDER,
      detector: 'blazeface',
      aligner: '2d',
      backend: tf.getBackend(),
    });
    expect(r.distance).toBeLessThan(r.threshold);
    expect(r.confidence).toBeGreaterThan(0.5);
    expect(r.timeMs).toBeGreaterThan(0);
    for (const f of [r.faces.img1, r.faces.img2]) {
      expect(f.chosen).toMatch(/^(only|largest)$/);
      expect(f.score).toBeGreaterThan(0.5);
      // Deep-funneled LFW: the face sits near the centre of the 250×250 image.
      expect(f.box.x + f.box.width / 2).toBeGreaterThan(90);
      expect(f.box.x + f.box.width / 2).toBeLessThan(160);
    }
    const d = await verify(same[0], other);
    expect(d.verified).toBe(false);
    expect(d.distance).toBeGreaterThan(d.threshold);
    expect(d.confidence).toBeLessThan(0.5);
  });

  it('path, Buffer, ArrayBuffer and tensor inputs give the same distance; caller tensors stay alive', async () => {
    const byPath = await verify(...same);
    const buf = readFileSync(same[1]);
    const byBytes = await verify(readFileSync(same[0]), buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    const t1 = await readImageTensor(same[0]);
    const t2 = await readImageTensor(same[1]);
    const byTensor = await verify(t1, t2);
    expect(t1.isDisposed || t2.isDisposed).toBe(false);
    t1.dispose();
    t2.dispose();
    expect(byBytes.distance).toBeCloseTo(byPath.distance, 5);
    expect(byTensor.distance).toBeCloseTo(byPath.distance, 4);
  });

  it('metric and threshold per call; a threshold decides the verdict', async () => {
    const cos = await verify(...same, { metric: 'cosine' });
    expect(cos.metric).toBe('cosine');
    const strict = await verify(...same, { threshold: 0 });
    expect(strict.verified).toBe(false);
    expect(strict.threshold).toBe(0);
  });

  it('several faces: the largest is used and reported', async () => {
    // A canvas with one LFW image at full size and another shrunk to half.
    const big = await sharp(same[0]).toBuffer();
    const small = await sharp(other).resize(125, 125).toBuffer();
    const canvas = await sharp({ create: { width: 420, height: 260, channels: 3, background: '#c0c0c0' } })
      .composite([
        { input: big, left: 0, top: 5 },
        { input: small, left: 280, top: 60 },
      ])
      .jpeg({ quality: 95 })
      .toBuffer();
    const faces = await detect(canvas);
    expect(faces.length).toBe(2);
    expect(faces[0].box.width * faces[0].box.height).toBeGreaterThan(faces[1].box.width * faces[1].box.height);
    expect(faces[0].box.x + faces[0].box.width / 2).toBeLessThan(250);
    expect(faces[1].box.x).toBeGreaterThan(260);
    const r = await verify(canvas, same[1]);
    expect(r.faces.img1).toMatchObject({ faceCount: 2, chosen: 'largest' });
    expect(r.verified).toBe(true); // the large face is Abdullah Gul
  });

  it('quickLook: false counts a small bystander that the quick look leaves out', async () => {
    const canvas = await portraitWithBystander(same[0], other);
    const quick = await verify(canvas, same[1]);
    const full = await verify(canvas, same[1], { quickLook: false });
    expect(quick.faces.img1.faceCount).toBe(1);
    expect(full.faces.img1.faceCount).toBe(2);
    expect((await detect(canvas)).length).toBe(2);
    // The same face is embedded either way (its box from a 160² or a 256² look).
    const centre = (b: { x: number; y: number; width: number; height: number }) => [
      b.x + b.width / 2,
      b.y + b.height / 2,
    ];
    const [qx, qy] = centre(quick.faces.img1.box);
    const [fx, fy] = centre(full.faces.img1.box);
    expect(Math.hypot(qx - fx, qy - fy)).toBeLessThan(10);
    expect(full.verified && quick.verified).toBe(true);
  });

  it('no face: E_NO_FACE, or the whole image with enforceDetection false', async () => {
    const blank = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#7a8a9a' } })
      .png()
      .toBuffer();
    const first = await expectCode(verify(blank, same[0]), 'E_NO_FACE');
    expect(first.details).toMatchObject({ index: 0, input: 'Buffer (' + blank.byteLength + ' bytes)' });
    expect(first.message).toMatch(/^img1: no face found/);
    // The culprit named by path when a path was given, in the shared API and in an owned pipeline alike.
    const second = await expectCode(verify(same[0], blank), 'E_NO_FACE');
    expect(second.details).toMatchObject({ index: 1 });
    const p = await createPipeline();
    try {
      const blankFile = join(mkdtempSync(join(tmpdir(), 'facekit-noface-')), 'blank.png');
      writeFileSync(blankFile, blank);
      const byPath = await expectCode(p.verify(blankFile, same[1]), 'E_NO_FACE');
      expect(byPath.details).toMatchObject({ index: 0, input: blankFile });
      rmSync(dirname(blankFile), { recursive: true });
      const other = await expectCode(p.verify(same[1], blank), 'E_NO_FACE');
      expect(other.message).toMatch(/^img2: no face found.*\(Buffer \(\d+ bytes\)\)$/);
    } finally {
      p.dispose();
    }
    const r = await verify(blank, same[0], { enforceDetection: false });
    expect(r.faces.img1).toMatchObject({ chosen: 'fallback', faceCount: 0, score: 0 });
    expect(r.faces.img1.box).toEqual({ x: 0, y: 0, width: 200, height: 200 });
    expect(r.verified).toBe(false);
  });

  it('represent and detect', async () => {
    const [rep] = await represent(same[0]);
    const spec = models.embedders.get(DEFAULT_EMBEDDER);
    expect(rep.embedding.embedder).toBe(DEFAULT_EMBEDDER);
    expect(rep.embedding.vector).toBeInstanceOf(Float32Array);
    expect(rep.embedding.vector.length).toBe(spec.dim);
    expect(rep.embedding.vector.every(Number.isFinite)).toBe(true);
    const faces = await detect(same[0]);
    expect(faces.length).toBeGreaterThanOrEqual(1);
    expect(faces[0].five).toHaveLength(5);
    expect(faces[0].landmarks).toHaveLength(68);
  });

  it('concurrent first calls share one model load', async () => {
    disposeAll();
    const spec = models.embedders.get(DEFAULT_EMBEDDER);
    const create = vi.spyOn(spec, 'create');
    const rs = await Promise.all([verify(...same), verify(same[0], other), represent(same[1])]);
    expect(create).toHaveBeenCalledTimes(1);
    expect(rs).toHaveLength(3);
    vi.restoreAllMocks();
  });

  it('createPipeline: an owned pipeline; unusable after dispose', async () => {
    const p = await createPipeline({ metric: 'cosine' });
    expect(p.options.metric).toBe('cosine');
    const r = await p.verify(...same);
    expect(r.metric).toBe('cosine');
    p.dispose();
    const e = await expectCode(p.verify(...same), 'E_CONFIG');
    expect(e).toBeInstanceOf(FaceKitError);
  });

  it('disposeAll frees every model tensor', async () => {
    disposeAll();
    const base = tf.memory().numTensors;
    await verify(...same);
    expect(tf.memory().numTensors).toBeGreaterThan(base); // models loaded
    disposeAll();
    expect(tf.memory().numTensors).toBe(base);
  });
});
