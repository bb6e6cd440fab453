// Unit tests of the pure parts: anchors, affine maps, letterbox and crop geometry, cluster merging, the 68 table.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { applyAffine, cropToImage, invertAffine, samplingAffine } from '../src/affine.js';
import { blazeFaceAnchors } from '../src/anchors.js';
import { cropRegion } from '../src/crop.js';
import { fiveFromKeypoints, MOUTH_TO_EYE_WIDTH } from '../src/five-points.js';
import { letterbox } from '../src/letterbox.js';
import { SINGLE_LOOK_MIN_FACE, tileWindows } from '../src/looks.js';
import { MESH_LEFT_EYE, MESH_RIGHT_EYE, MESH_TO_68 } from '../src/mesh-68.js';
import { regionFromMesh } from '../src/regions.js';
import { type Candidate, iou, mergeClusters } from '../src/weighted-merge.js';

/** A black float image with one bright pixel at (x, y). */
function dot(h: number, w: number, x: number, y: number): tf.Tensor3D {
  const data = new Float32Array(h * w * 3);
  data.set([255, 255, 255], (y * w + x) * 3);
  return tf.tensor3d(data, [h, w, 3]);
}

/** Intensity-weighted centroid of channel 0 of [1, h, w, 3] or [h, w, 3], with the background level subtracted. */
async function centroid(t: tf.Tensor, background: number): Promise<[number, number]> {
  const [h, w] = t.shape.slice(-3, -1);
  const v = await t.data();
  let sx = 0;
  let sy = 0;
  let s = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = v[(y * w + x) * 3] - background;
      sx += a * x;
      sy += a * y;
      s += a;
    }
  }
  return [sx / s, sy / s];
}

describe('blazeFaceAnchors', () => {
  it('lays out 16×16×2 then 8×8×6 anchor centres', () => {
    const a = blazeFaceAnchors(256);
    expect(a.length).toBe(896 * 2);
    expect([a[0], a[1], a[2], a[3]]).toEqual([8, 8, 8, 8]); // two anchors in the first 16-px cell
    expect([a[4], a[5]]).toEqual([24, 8]);
    expect([a[2 * 511], a[2 * 511 + 1]]).toEqual([248, 248]);
    expect([a[2 * 512], a[2 * 512 + 1]]).toEqual([16, 16]); // first 32-px cell, six anchors
    expect([a[2 * 518], a[2 * 518 + 1]]).toEqual([48, 16]);
    expect([a[2 * 895], a[2 * 895 + 1]]).toEqual([240, 240]);
  });
});

describe('affine maps', () => {
  it('inverts', () => {
    const m = cropToImage({ center: [100, 80], size: 90, angle: 0.4 }, 192);
    const back = invertAffine(m);
    const [x, y] = applyAffine(back, ...applyAffine(m, 17, 150));
    expect(x).toBeCloseTo(17, 9);
    expect(y).toBeCloseTo(150, 9);
  });

  it('maps the crop centre to the region centre and the crop x axis along the angle', () => {
    const m = cropToImage({ center: [100, 80], size: 96, angle: Math.PI / 2 }, 192);
    const c = applyAffine(m, 96, 96);
    expect(c[0]).toBeCloseTo(100, 9);
    expect(c[1]).toBeCloseTo(80, 9);
    const right = applyAffine(m, 192, 96); // half a crop to the right = 48 image px along +y (turned 90°)
    expect(right[0]).toBeCloseTo(100, 9);
    expect(right[1]).toBeCloseTo(128, 9);
  });

  it('samples pixel indices: an unrotated region the size of the crop is the identity shifted by its corner', () => {
    const m = samplingAffine({ center: [50, 60], size: 20, angle: 0 }, 20);
    expect(applyAffine(m, 0, 0)).toEqual([40, 50]);
    expect(applyAffine(m, 19, 19)).toEqual([59, 69]);
  });
});

describe('letterbox', () => {
  it('fits a wide image centred with exact coordinate mapping', async () => {
    const img = dot(100, 400, 300, 40);
    const { input, mapping } = letterbox(img, 256);
    expect(input.shape).toEqual([1, 256, 256, 3]);
    expect(mapping.padY).toBe(96); // 400×100 → 256×64, centred
    expect(mapping.padX).toBe(0);
    // The dot's centre, continuous (300.5, 40.5), lands at letterbox continuous scale·x + pad; compare index centroids.
    const [cx, cy] = await centroid(input, -1);
    expect(Math.abs(cx + 0.5 - (300.5 * mapping.scaleX + mapping.padX))).toBeLessThan(0.3);
    expect(Math.abs(cy + 0.5 - (40.5 * mapping.scaleY + mapping.padY))).toBeLessThan(0.3);
    const corner = await tf.slice(input, [0, 0, 0, 0], [1, 1, 1, 1]).data();
    expect(corner[0]).toBe(-1); // black bar
    tf.dispose([img, input]);
  });

  it('box-filters large images before resizing and keeps the mapping exact', async () => {
    const img = dot(1200, 900, 601, 333);
    const { input, mapping } = letterbox(img, 256);
    const [cx, cy] = await centroid(input, -1);
    expect(Math.abs(cx + 0.5 - (601.5 * mapping.scaleX + mapping.padX))).toBeLessThan(0.3);
    expect(Math.abs(cy + 0.5 - (333.5 * mapping.scaleY + mapping.padY))).toBeLessThan(0.3);
    tf.dispose([img, input]);
  });

  it('zooms out with fill < 1', () => {
    const img = tf.zeros([100, 100, 3]) as tf.Tensor3D;
    const { input, mapping } = letterbox(img, 256, 0.5);
    expect(mapping.scaleX).toBeCloseTo(1.28, 9);
    expect(mapping.padX).toBe(64);
    tf.dispose([img, input]);
  });
});

describe('cropRegion', () => {
  it('samples a rotated region where the inverse map says', async () => {
    const img = dot(300, 400, 230, 120);
    const region = { center: [200, 140] as [number, number], size: 120, angle: 0.5 };
    const crop = cropRegion(img, region, 192, 1)!;
    expect(crop.shape).toEqual([1, 192, 192, 3]);
    const [cx, cy] = await centroid(crop, 0);
    // Continuous crop coordinates of the dot's centre (230.5, 120.5):
    const [u, v] = applyAffine(invertAffine(cropToImage(region, 192)), 230.5, 120.5);
    expect(Math.abs(cx + 0.5 - u)).toBeLessThan(0.3);
    expect(Math.abs(cy + 0.5 - v)).toBeLessThan(0.3);
    tf.dispose([img, crop]);
  });

  it('pools regions much larger than the crop, keeping the geometry', async () => {
    const data = new Float32Array(1000 * 1000 * 3);
    for (let y = 600; y < 610; y++) for (let x = 420; x < 430; x++) data.set([255, 255, 255], (y * 1000 + x) * 3);
    const img = tf.tensor3d(data, [1000, 1000, 3]);
    const region = { center: [500, 500] as [number, number], size: 800, angle: -0.3 };
    const crop = cropRegion(img, region, 192, 1)!;
    const [cx, cy] = await centroid(crop, 0);
    const [u, v] = applyAffine(invertAffine(cropToImage(region, 192)), 425, 605);
    expect(Math.abs(cx + 0.5 - u)).toBeLessThan(0.3);
    expect(Math.abs(cy + 0.5 - v)).toBeLessThan(0.3);
    tf.dispose([img, crop]);
  });

  it('returns undefined for a region outside the image', () => {
    const img = tf.zeros([50, 50, 3]) as tf.Tensor3D;
    expect(cropRegion(img, { center: [500, 500], size: 40, angle: 0 }, 192, 1)).toBeUndefined();
    img.dispose();
  });
});

describe('tileWindows', () => {
  it('needs no tiles when the whole image resolves the smallest face', () => {
    expect(tileWindows(250, 250, 10)).toEqual([]);
    expect(tileWindows(4000, 3000, SINGLE_LOOK_MIN_FACE * 4000)).toEqual([]);
    expect(tileWindows(4000, 3000, Number.POSITIVE_INFINITY)).toEqual([]);
  });

  it('covers the image with half-overlapping tiles that resolve minFaceSize', () => {
    const tiles = tileWindows(4000, 3000, 80);
    const side = Math.round(80 / SINGLE_LOOK_MIN_FACE);
    expect(tiles.every((t) => t.width === side && t.height === side)).toBe(true);
    expect(tiles).toHaveLength(6 * 5);
    // Every face up to half a tile lies whole inside some tile: check a grid of such faces.
    for (let y = 0; y + side / 2 <= 3000; y += 97) {
      for (let x = 0; x + side / 2 <= 4000; x += 89) {
        const inside = tiles.some(
          (t) => x >= t.x && y >= t.y && x + side / 2 <= t.x + t.width && y + side / 2 <= t.y + t.height,
        );
        expect(inside, `${x},${y}`).toBe(true);
      }
    }
  });

  it('adds coarser levels until they meet the whole-image look', () => {
    const tiles = tileWindows(8000, 8000, 20);
    const sides = [...new Set(tiles.map((t) => t.width))].sort((a, b) => a - b);
    expect(sides).toEqual([286, 1714]);
  });
});

describe('regionFromMesh', () => {
  it('centres on the points, measured in the turned frame', () => {
    // A square of side 20 (index coords) turned by 0.3 rad around (49.5, 39.5).
    const a = 0.3;
    const pts = [
      [-10, -10],
      [10, -10],
      [10, 10],
      [-10, 10],
    ].map(([u, v]) => [49.5 + Math.cos(a) * u - Math.sin(a) * v, 39.5 + Math.sin(a) * u + Math.cos(a) * v, 0]);
    const r = regionFromMesh(pts as [number, number, number][], a);
    expect(r.center[0]).toBeCloseTo(50, 9);
    expect(r.center[1]).toBeCloseTo(40, 9);
    expect(r.size).toBeCloseTo(30, 9);
  });
});

describe('mergeClusters', () => {
  const c = (score: number, x: number): Candidate => ({
    score,
    box: [x, 0, x + 10, 10],
    keypoints: [x, 5],
    inputWidth: 10,
  });

  it('averages each cluster by score and keeps the winner score', () => {
    const cands = [c(0.9, 0), c(0.6, 2), c(0.8, 50), c(0.3, 51)];
    const merged = mergeClusters(cands, [0, 2], 0.3);
    expect(merged).toHaveLength(2);
    expect(merged[0].score).toBe(0.9);
    expect(merged[0].box[0]).toBeCloseTo((0.9 * 0 + 0.6 * 2) / 1.5, 9);
    expect(merged[0].keypoints[0]).toBeCloseTo(0.8, 9);
    expect(merged[1].box[0]).toBeCloseTo((0.8 * 50 + 0.3 * 51) / 1.1, 9);
  });

  it('computes IoU', () => {
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 9);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
  });
});

describe('point tables', () => {
  it('MESH_TO_68 has 68 distinct mesh indices', () => {
    expect(MESH_TO_68).toHaveLength(68);
    expect(new Set(MESH_TO_68).size).toBe(68);
    expect(MESH_TO_68.every((i) => Number.isInteger(i) && i >= 0 && i < 468)).toBe(true);
  });

  it('eye contours are disjoint 16-point rings', () => {
    expect(MESH_RIGHT_EYE).toHaveLength(16);
    expect(MESH_LEFT_EYE).toHaveLength(16);
    expect(new Set([...MESH_RIGHT_EYE, ...MESH_LEFT_EYE]).size).toBe(32);
  });

  it('estimates mouth corners along the eye line', () => {
    const five = fiveFromKeypoints([0, 0], [40, 0], [20, 20], [20, 40]);
    expect(five[3]).toEqual([20 - 20 * MOUTH_TO_EYE_WIDTH, 40]);
    expect(five[4]).toEqual([20 + 20 * MOUTH_TO_EYE_WIDTH, 40]);
    // Rolled 90°: the corners follow.
    const rolled = fiveFromKeypoints([0, 0], [0, 40], [-20, 20], [-40, 20]);
    expect(rolled[3][0]).toBeCloseTo(-40, 9);
    expect(rolled[3][1]).toBeCloseTo(20 - 20 * MOUTH_TO_EYE_WIDTH, 9);
  });
});
