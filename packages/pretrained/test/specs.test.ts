import { METRICS, models } from '@facekit/core';
import { describe, expect, it } from 'vitest';
import '../src/index.js';
import { DLIB_MEAN_FACE_X, DLIB_MEAN_FACE_Y, dlibChipTemplate } from '../src/dlib-template.js';
import { ARCFACE_TEMPLATE_112 } from '../src/mobilefacenet.js';
import { mobileFaceNetSpec } from '../src/specs.js';

describe('dlib chip template', () => {
  it("maps dlib's 51 mean-face points with padding 0.25 into the 150×150 chip", () => {
    const t = dlibChipTemplate();
    expect(t.size).toEqual([150, 150]);
    expect(t.source).toBe('landmarks51');
    expect(DLIB_MEAN_FACE_X).toHaveLength(51);
    expect(DLIB_MEAN_FACE_Y).toHaveLength(51);
    expect(t.points).toHaveLength(51);
    // (0.25 + m) / 1.5 · 150 = (0.25 + m) · 100
    expect(t.points[0][0]).toBeCloseTo(25.0213256, 6);
    expect(t.points[0][1]).toBeCloseTo(35.6454, 6);
    // Mean shape spans [0, 1]: the chip keeps a 25-pixel margin on each side.
    for (const [x, y] of t.points) {
      expect(x).toBeGreaterThanOrEqual(25);
      expect(x).toBeLessThanOrEqual(125);
      expect(y).toBeGreaterThanOrEqual(25);
      expect(y).toBeLessThanOrEqual(125);
    }
    // Left-right symmetric brows (17 ↔ 26): same height, mirrored about the nose line x = (0.25 + 0.490127) · 100.
    const axis = (0.25 + 0.490127) * 100;
    expect(t.points[0][1]).toBeCloseTo(t.points[9][1], 6);
    expect(t.points[0][0] + t.points[9][0]).toBeCloseTo(2 * axis, 1);
  });
});

describe('registered specs', () => {
  it('registers the bundled embedders on import, each with thresholds for every metric and a template of its input size', async () => {
    const dlib = models.embedders.get('dlib-resnet34');
    // MobileFaceNet (barely above chance as published) is exported for study, not registered or bundled.
    expect(models.embedders.list().map((s) => s.name)).toEqual(expect.arrayContaining(['dlib-resnet34', 'faceres']));
    expect(models.embedders.list().map((s) => s.name)).not.toContain('mobilefacenet');
    const mfn = mobileFaceNetSpec;
    expect([dlib.dim, mfn.dim]).toEqual([128, 192]);
    expect(dlib.template.size).toEqual([150, 150]);
    expect(mfn.template).toEqual(ARCFACE_TEMPLATE_112);
    expect([dlib.normalized, mfn.normalized]).toEqual([false, true]);
    expect(dlib.defaultMetric).toBe('cosine');
    expect(mfn.defaultMetric).toBe('cosine');
    for (const spec of [dlib, mfn]) {
      for (const m of METRICS) expect(spec.thresholds[m], `${spec.name} ${m}`).toBeGreaterThan(0);
      // For unit vectors: squared-l2 = 2·cosine and euclidean-l2 = √(squared-l2).
      expect(spec.thresholds['squared-l2']).toBeCloseTo(2 * spec.thresholds.cosine!, 3);
      expect(spec.thresholds['euclidean-l2']).toBeCloseTo(Math.sqrt(spec.thresholds['squared-l2']!), 3);
      // Fitted on LFW data and saying on which: View 2 folds (dlib, the default) or View 1 DevTrain.
      expect(spec.provenance).toMatch(/pairs\.txt|pairsDevTrain/);
    }
    // dlib's documented threshold is euclidean 0.6; the LFW fit must land close to it.
    expect(dlib.thresholds.euclidean).toBeGreaterThan(0.55);
    expect(dlib.thresholds.euclidean).toBeLessThan(0.65);
  });
});
