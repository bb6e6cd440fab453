// `facekit analyze` and the analysers in `facekit models`, in-process.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { disposeAll, disposeAnalysis, EMOTION_LABELS, models } from '@facekit/node';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

const demo = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

afterAll(async () => {
  await disposeAnalysis();
  disposeAll();
});

describe('facekit analyze', () => {
  it('prints, per image and face, age, gender, emotion, race and spoof as JSON', async () => {
    const img = join(demo, 'sample6.jpg');
    const r = await cli(
      'analyze',
      img,
      join(demo, 'sample2.jpg'),
      '--actions',
      'age,gender,emotion,race,spoof',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/race is the GEAR model’s estimate/);
    const [first, second] = JSON.parse(r.out);
    expect(first.image).toBe(img);
    expect(second.faces).toHaveLength(1);
    const [f] = first.faces;
    expect(typeof f.age).toBe('number');
    expect(['male', 'female']).toContain(f.gender.label);
    expect(Object.keys(f.emotion.scores)).toEqual([...EMOTION_LABELS]);
    expect(EMOTION_LABELS).toContain(f.emotion.dominant);
    expect(typeof f.race.dominant).toBe('string');
    expect(typeof f.spoof.real).toBe('boolean');
    expect(f.box.width).toBeGreaterThan(0);
    expect(f.analyzers.race).toBe('gear');
  });

  it('prints one text line per face, and swaps the age model by flag', async () => {
    const r = await cli('analyze', join(demo, 'sample6.jpg'), '--age-model', 'ssrnet-age');
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(r.out).toMatch(
      /#0 {2}age \d+\.\d {2}(male|female) \d\.\d\d {2}(angry|disgust|fear|happy|sad|surprise|neutral) /,
    );
  });

  it('fails with one E_CONFIG line for an unknown action or a model without that action', async () => {
    for (const argv of [
      ['--actions', 'age,mood'],
      ['--age-model', 'emotion'],
    ]) {
      const r = await cli('analyze', join(demo, 'sample6.jpg'), ...argv);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err.trim()).toMatch(/^facekit: E_CONFIG: \S/);
    }
  });

  it('lists the analysers in `facekit models`', async () => {
    const r = await cli('models', '--json');
    const list = JSON.parse(r.out);
    expect(list.analyzers.map((a: { name: string }) => a.name)).toEqual(models.analyzers.list().map((a) => a.name));
    expect(list.analyzers.find((a: { name: string }) => a.name === 'gear').actions).toEqual(['age', 'gender', 'race']);
    const text = await cli('models');
    expect(text.out).toMatch(/analyzers:\n {2}faceres-age-gender/);
  });
});
