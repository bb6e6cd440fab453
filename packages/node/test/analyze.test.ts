// analyze(): every action on real photos, swap by config, option errors, batching of several faces, no tensor leak.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ANALYSIS_ACTIONS, analyze, detect, disposeAll, disposeAnalysis, EMOTION_LABELS, models } from '@facekit/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { expectCode } from './helpers.js';

const demo = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');
const portrait = join(demo, 'sample6.jpg');
const group = join(demo, 'sample1.jpg');
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

afterAll(async () => {
  await disposeAnalysis();
  disposeAll();
});

describe('analyze', () => {
  it('registers an analyser for every action', () => {
    const names = models.analyzers.list().map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'faceres-age-gender',
        'gear',
        'ssrnet-age',
        'oarriaga-gender',
        'emotion',
        'antispoof',
        'liveness',
      ]),
    );
    for (const action of ANALYSIS_ACTIONS) {
      expect(
        models.analyzers.list().some((s) => s.actions.includes(action)),
        action,
      ).toBe(true);
    }
  });

  it('answers every action with a value and a distribution', async () => {
    const [a, ...rest] = await analyze(portrait, { actions: [...ANALYSIS_ACTIONS] });
    expect(rest).toHaveLength(0);
    expect(a.summary.faceCount).toBeGreaterThanOrEqual(1);
    expect(a.age).toBeGreaterThan(1);
    expect(a.age).toBeLessThan(99);
    expect(a.ageDistribution?.scores).toHaveLength(100);
    expect((a.ageDistribution?.scores ?? []).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 3);
    expect(['male', 'female']).toContain(a.gender?.label);
    expect(sum(a.gender?.scores ?? {})).toBeCloseTo(1, 5);
    expect(a.gender?.score).toBe(Math.max(a.gender?.scores.male ?? 0, a.gender?.scores.female ?? 0));
    expect(Object.keys(a.emotion?.scores ?? {})).toEqual([...EMOTION_LABELS]);
    expect(sum(a.emotion?.scores ?? {})).toBeCloseTo(1, 5);
    const scores = a.emotion?.scores ?? ({} as Record<string, number>);
    expect(scores[a.emotion?.dominant ?? 'happy']).toBe(Math.max(...Object.values(scores)));
    expect(Object.keys(a.race?.scores ?? {})).toEqual(['white', 'black', 'asian', 'indian', 'other']);
    expect(sum(a.race?.scores ?? {})).toBeCloseTo(1, 4);
    for (const c of [a.spoof, a.liveness]) {
      expect(c?.score).toBeGreaterThanOrEqual(0);
      expect(c?.score).toBeLessThanOrEqual(1);
      expect(c?.threshold).toBe(0.5);
    }
    expect(a.spoof?.real).toBe((a.spoof?.score ?? 0) >= 0.5);
    expect(a.analyzers).toEqual({
      age: 'faceres-age-gender',
      gender: 'faceres-age-gender',
      emotion: 'emotion',
      race: 'gear',
      spoof: 'antispoof',
      liveness: 'liveness',
    });
  });

  it('defaults to age, gender and emotion, and swaps analysers by config', async () => {
    const [d] = await analyze(portrait);
    expect(Object.keys(d.analyzers).sort()).toEqual(['age', 'emotion', 'gender']);
    expect(d.race).toBeUndefined();
    const [g] = await analyze(portrait, {
      actions: ['age', 'gender'],
      analyzers: { age: 'gear', gender: 'oarriaga-gender' },
    });
    expect(g.analyzers).toEqual({ age: 'gear', gender: 'oarriaga-gender' });
    expect(g.ageDistribution?.labels).toHaveLength(7);
    expect(g.age).not.toBe(d.age);
    const [s] = await analyze(portrait, { actions: ['age'], analyzers: { age: 'ssrnet-age' } });
    expect(s.ageDistribution).toBeUndefined();
    expect(s.age).toBeGreaterThan(1);
  });

  it('analyses every face of a group photo in one batch, in detection order', async () => {
    const faces = await detect(group);
    expect(faces.length).toBeGreaterThan(1);
    const all = await analyze(group, { all: true, actions: ['age', 'gender', 'emotion'] });
    expect(all.map((a) => a.face.box)).toEqual(faces.map((f) => f.box));
    // Batched results equal one-face-at-a-time results: each face's crop depends on its own box only.
    const [largest] = await analyze(group);
    expect(largest.age).toBeCloseTo(all[0].age ?? -1, 3);
    expect(largest.emotion?.scores.happy).toBeCloseTo(all[0].emotion?.scores.happy ?? -1, 4);
  });

  it('rejects unknown actions and analysers that do not provide an action', async () => {
    await expectCode(analyze(portrait, { actions: ['mood' as 'age'] }), 'E_CONFIG');
    await expectCode(analyze(portrait, { actions: [] }), 'E_CONFIG');
    await expectCode(analyze(portrait, { actions: ['race'], analyzers: { race: 'emotion' } }), 'E_CONFIG');
    await expectCode(analyze(portrait, { analyzers: { age: 'nope' } }), 'E_UNKNOWN_MODEL');
    await expectCode(analyze(portrait, { analyzers: { mood: 'emotion' } as never }), 'E_CONFIG');
  });

  it('leaks no tensor, and disposing frees the analysers', async () => {
    const options = { all: true, actions: [...ANALYSIS_ACTIONS] };
    await analyze(group, options);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await analyze(i % 2 ? portrait : group, options);
    expect(tf.memory().numTensors).toBe(before);
    await disposeAnalysis();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });
});
