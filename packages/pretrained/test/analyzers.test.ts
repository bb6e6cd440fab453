// The analysers' decoding (human's age formulas, class mapping), their crops, and the graph checks.
import { cropBoxOf, models } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { classify, faceresAge, GraphAnalyzer, gearAge, loadAnalyzerGraph, emotionRecipe } from '../src/index.js';
import { codeOf, modelContext } from '../../../test/utils.js';

describe('analyser decoding', () => {
  it('faceres age: arg-max bin moved towards its larger neighbour by 10 × its probability', () => {
    const p = new Array(100).fill(0);
    p[30] = 0.5;
    p[31] = 0.3;
    p[29] = 0.2;
    expect(faceresAge(p)).toBeCloseTo(33, 10); // 30 + 10 · 0.3
    p[29] = 0.35;
    p[31] = 0.15;
    expect(faceresAge(p)).toBeCloseTo(26.5, 10); // 30 − 10 · 0.35
    const edge = new Array(100).fill(0);
    edge[99] = 0.9;
    edge[98] = 0.1;
    expect(faceresAge(edge)).toBeCloseTo(98, 10); // the missing bin 100 counts as 0
  });

  it('gear age: the likeliest class age, moved towards the others in descending probability', () => {
    expect(gearAge([0, 0, 1, 0, 0, 0, 0])).toBe(28);
    // start 35.5 (p 0.6); then 45.5 (p 0.3): 35.5 + 0.3 · 10 = 38.5; then 28 (p 0.1): 38.5 + 0.1 · (28 − 38.5) = 37.45
    expect(gearAge([0, 0, 0.1, 0.6, 0.3, 0, 0])).toBeCloseTo(37.45, 10);
  });

  it('classify renormalises and picks the largest class', () => {
    const c = classify(['a', 'b', 'c'], [0.2, 0.5, 0.3000001]);
    expect(c.label).toBe('b');
    expect(c.scores.a + c.scores.b + c.scores.c).toBeCloseTo(1, 12);
    expect(classify(['x', 'y'], [0, 0]).scores).toEqual({ x: 0.5, y: 0.5 });
  });

  it("crops are square, scale × the box's longer side, centred on it", () => {
    const [y1, x1, y2, x2] = cropBoxOf({ x: 40, y: 50, width: 100, height: 120 }, 400, 200, 1.4);
    expect((y2 - y1) * 400).toBeCloseTo(168, 10);
    expect((x2 - x1) * 200).toBeCloseTo(168, 10);
    expect(((x1 + x2) / 2) * 200).toBeCloseTo(90, 10);
    expect(((y1 + y2) / 2) * 400).toBeCloseTo(110, 10);
  });
});

describe('graph analysers', () => {
  it('every registered analyser loads its bundled graph and answers a batch with one result per face', async () => {
    const before = tf.memory().numTensors;
    const crops = tf.randomUniform([3, 192, 192, 3], 0, 255, 'float32', 7) as tf.Tensor4D;
    for (const spec of models.analyzers.list()) {
      const a = await spec.create(modelContext);
      const out = await a.analyze(crops);
      expect(out, spec.name).toHaveLength(3);
      for (const action of spec.actions) {
        const key = action as keyof (typeof out)[0];
        expect(out[0][key], `${spec.name} ${action}`).toBeDefined();
      }
      const none = tf.zeros([0, 192, 192, 3]) as tf.Tensor4D;
      expect(await a.analyze(none)).toEqual([]);
      none.dispose();
      a.dispose();
      expect(await codeOf(a.analyze(crops))).toBe('E_INPUT'); // disposed
    }
    crops.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses crops of the wrong shape and a graph whose input is not the recipe’s', async () => {
    const a = await GraphAnalyzer.load(modelContext, 'emotion', emotionRecipe);
    const bad = tf.zeros([1, 64, 48, 3]) as tf.Tensor4D;
    expect(await codeOf(a.analyze(bad))).toBe('E_INPUT');
    bad.dispose();
    a.dispose();
    expect(await codeOf(loadAnalyzerGraph(modelContext, 'emotion.json', [64, 64, 3]))).toBe('E_WEIGHTS_FORMAT');
  });
});
