// Fidelity: every analyser reproduces @vladmandic/human 3.3 — the library its weights come from — on identical
// crops. human-reference.cjs runs human itself (tfjs wasm, in a child process) on 201 LFW images and hands back
// human's face tensor (the crop its analysers see) with human's results; facekit's analysers run on exactly those
// crops here. Tolerances are human's own rounding: ages to 0.1 year (SSR-Net's truncated), scores to 0.01.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureBackend, models } from '@facekit/node';
import type { Analyzer, FaceAttributes } from '@facekit/node/advanced';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveShared, lfwDir, modelContext } from '../../../test/utils.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Every 66th of LFW's 13,233 images in name order: 201 images of 196 people. */
const STRIDE = 66;

interface HumanFace {
  age: number;
  gender: string;
  genderScore: number;
  emotion: Array<{ score: number; emotion: string }>;
  race?: Array<{ score: number; race: string }>;
  real?: number;
  live?: number;
}
interface HumanRow {
  file: string;
  A: HumanFace;
  B: HumanFace;
  C: HumanFace;
}

let rows: HumanRow[] = [];
const ours = new Map<string, FaceAttributes[]>();
const trunc2 = (x: number) => Math.trunc(100 * x) / 100;

describe.runIf(haveShared(lfwDir, 'LFW'))('analysers reproduce @vladmandic/human on identical crops', () => {
  beforeAll(async () => {
    await ensureBackend('wasm'); // as the API runs them (tfjs-core's cpu fallback is ~10× slower here)
    const images: string[] = [];
    const root = join(lfwDir, 'images');
    for (const person of (await readdir(root)).sort()) {
      for (const f of (await readdir(join(root, person))).sort()) images.push(join(root, person, f));
    }
    const picked = images.filter((_, i) => i % STRIDE === 0);
    const dir = await mkdtemp(join(tmpdir(), 'facekit-human-'));
    try {
      await writeFile(join(dir, 'list.json'), JSON.stringify(picked));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(here, 'human-reference.cjs'), join(dir, 'list.json'), join(dir, 'crops.f32')],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      rows = JSON.parse(stdout);
      const bytes = await readFile(join(dir, 'crops.f32'));
      const crops = tf.tidy(() =>
        tf.mul(
          tf.tensor4d(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), [
            rows.length,
            192,
            192,
            3,
          ]),
          255,
        ),
      ) as tf.Tensor4D;
      try {
        for (const spec of models.analyzers.list()) {
          const analyzer: Analyzer = await spec.create(modelContext);
          try {
            const out: FaceAttributes[] = [];
            for (let i = 0; i < rows.length; i += 32) {
              const batch = tf.slice(crops, [i, 0, 0, 0], [Math.min(32, rows.length - i), -1, -1, -1]);
              out.push(...(await analyzer.analyze(batch)));
              batch.dispose();
            }
            ours.set(spec.name, out);
          } finally {
            analyzer.dispose();
          }
        }
      } finally {
        crops.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 1_800_000); // human runs 3 configurations × 201 images: ~4 min on a quiet 2-core machine, far more when shared

  afterAll(() => undefined);

  it('ran on at least 200 LFW images with a face', () => {
    expect(rows.length).toBeGreaterThanOrEqual(200);
  });

  /** Largest |ours − human| over all rows, checked against a tolerance, and printed. */
  function maxDiff(name: string, pairs: Array<[number, number]>, tol: number): void {
    const diffs = pairs.map(([a, b]) => Math.abs(a - b));
    const worst = Math.max(...diffs);
    console.log(`${name}: max |facekit − human| = ${worst.toFixed(4)} over ${pairs.length} faces (tolerance ${tol})`);
    expect(worst, name).toBeLessThanOrEqual(tol);
  }

  it('faceres-age-gender: age within 0.05 year, gender label and confidence within 0.01', () => {
    const a = ours.get('faceres-age-gender') ?? [];
    maxDiff(
      'faceres age',
      rows.map((r, i) => [a[i].age?.years ?? Number.NaN, r.A.age]),
      0.051,
    );
    // human reports confidence = |2p − 1| truncated to 0.01, and the label female when p ≤ 0.5.
    maxDiff(
      'faceres gender confidence',
      rows.map((r, i) => {
        const s = a[i].gender?.scores ?? { male: 0, female: 0 };
        return [trunc2(Math.abs(s.male - s.female)), r.A.genderScore];
      }),
      0.0101,
    );
    expect(rows.filter((r, i) => a[i].gender?.label !== r.A.gender).map((r) => r.file)).toEqual([]);
  });

  it('emotion: all seven scores within 0.01, same dominant class', () => {
    const e = ours.get('emotion') ?? [];
    const pairs: Array<[number, number]> = [];
    rows.forEach((r, i) => {
      for (const { emotion, score } of r.A.emotion) {
        pairs.push([Math.min(0.99, trunc2(e[i].emotion?.scores[emotion as 'happy'] ?? Number.NaN)), score]);
      }
    });
    expect(pairs.length).toBe(7 * rows.length);
    maxDiff('emotion scores', pairs, 0.0101);
    const dominantDiffers = rows.filter(
      (r, i) => e[i].emotion?.label !== r.A.emotion[0].emotion && r.A.emotion[0].score !== r.A.emotion[1].score,
    );
    expect(dominantDiffers.map((r) => r.file)).toEqual([]);
  });

  it('gear: age within 0.05 year, gender, race scores within 0.005', () => {
    const g = ours.get('gear') ?? [];
    maxDiff(
      'gear age',
      rows.map((r, i) => [g[i].age?.years ?? Number.NaN, r.B.age]),
      0.051,
    );
    maxDiff(
      'gear gender score',
      rows.map((r, i) => [g[i].gender?.score ?? Number.NaN, r.B.genderScore]),
      0.0051,
    );
    expect(rows.filter((r, i) => g[i].gender?.label !== r.B.gender).map((r) => r.file)).toEqual([]);
    // human lists the race classes above its minConfidence (1e-9 here): a class it leaves out scored 0.
    const race: Array<[number, number]> = [];
    rows.forEach((r, i) => {
      const listed = new Map((r.B.race ?? []).map((x) => [x.race, x.score]));
      for (const label of ['white', 'black', 'asian', 'indian', 'other']) {
        race.push([g[i].race?.scores[label] ?? Number.NaN, listed.get(label) ?? 0]);
      }
    });
    maxDiff('gear race scores', race, 0.0051);
  });

  it('ssrnet-age and oarriaga-gender: age within 0.1 year, gender label and score within 0.01', () => {
    const s = ours.get('ssrnet-age') ?? [];
    const o = ours.get('oarriaga-gender') ?? [];
    maxDiff(
      'ssrnet age',
      rows.map((r, i) => [Math.trunc(10 * (s[i].age?.years ?? Number.NaN)) / 10, r.C.age]),
      0.1001,
    );
    maxDiff(
      'oarriaga gender score',
      rows.map((r, i) => [trunc2(o[i].gender?.score ?? Number.NaN), r.C.genderScore]),
      0.0101,
    );
    expect(rows.filter((r, i) => o[i].gender?.label !== r.C.gender).map((r) => r.file)).toEqual([]);
  });

  it('antispoof and liveness: scores within 0.005', () => {
    const a = ours.get('antispoof') ?? [];
    const l = ours.get('liveness') ?? [];
    maxDiff(
      'antispoof score',
      rows.map((r, i) => [a[i].spoof?.score ?? Number.NaN, r.A.real ?? Number.NaN]),
      0.0051,
    );
    maxDiff(
      'liveness score',
      rows.map((r, i) => [l[i].liveness?.score ?? Number.NaN, r.A.live ?? Number.NaN]),
      0.0051,
    );
  });
});
