import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { FaceKitError } from '@facekit/core';
import { Piscina } from 'piscina';
import type { QualityRow } from './analyze-quality-worker.js';
import { lfwImagesDir } from './lfw-layout.js';

/**
 * Options of the label-free quality benchmark.
 *
 * @example
 * const o: AnalyzeQualityOptions = { data: '../shared/data/lfw', people: 'peopleDevTrain.txt' };
 */
export interface AnalyzeQualityOptions {
  /** The LFW folder. */
  data: string;
  /** People list inside it (name, image count per line): peopleDevTrain.txt (selection), peopleDevTest.txt. */
  people?: string;
  /** Only people with at least this many photos (default 10). */
  minPhotos?: number;
  /** Only each person's first N photos (default 10: every person weighs the same, and runs stay short). */
  maxPhotos?: number;
  workers?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Per analyser: within-person consistency and spread; per pair of models of one attribute: their agreement.
 *
 * @example
 * const r: AnalyzeQualityReport = await benchAnalyzeQuality({ data: 'lfw' });
 * r.gender['faceres-age-gender'].meanMajorityShare;
 */
export interface AnalyzeQualityReport {
  people: number;
  images: number;
  undetected: number;
  /** Per gender model: mean over people of the share of their photos given their majority label; share of people whose majority is male. */
  gender: Record<string, { meanMajorityShare: number; pooledMajorityShare: number; peopleMajorityMale: number }>;
  /**
   * Per age model: within-person SD of predicted age (mean and median over people), SD of the person means, and
   * ICC(1) = between-person variance / (between + within): 1 = each person's photos agree and people differ.
   */
  age: Record<string, { meanWithinSd: number; medianWithinSd: number; betweenSd: number; icc: number }>;
  /** Per pair of gender models: share of photos with the same label. */
  genderAgreement: Record<string, number>;
  /** Per pair of age models: Pearson r and mean absolute difference of the predicted ages. */
  ageAgreement: Record<string, { pearson: number; meanAbsDiff: number }>;
  /** Emotion: the share of each dominant class; race: the share of each class (descriptive only). */
  emotionShare: Record<string, number>;
  raceShare: Record<string, number>;
}

const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const sd = (x: number[]) => {
  const m = mean(x);
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, x.length - 1));
};
const median = (x: number[]) => {
  const s = [...x].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
function pearson(a: number[], b: number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
const share = (labels: string[]) => {
  const out: Record<string, number> = {};
  for (const l of labels) out[l] = (out[l] ?? 0) + 1 / labels.length;
  return out;
};

/**
 * Quality of the analysers without labels, on LFW people with many photos: a person's gender should not change
 * between photos, their predicted age should vary little (photos span a few years), and two independent models of
 * one attribute should agree. Time grows linearly with the images (one detection and three analyser plans each).
 *
 * @example
 * const r = await benchAnalyzeQuality({ data: '../shared/data/lfw', people: 'peopleDevTest.txt' });
 */
export async function benchAnalyzeQuality(options: AnalyzeQualityOptions): Promise<AnalyzeQualityReport> {
  const listFile = join(options.data, options.people ?? 'peopleDevTrain.txt');
  let text: string;
  try {
    text = await readFile(listFile, 'utf8');
  } catch (cause) {
    throw new FaceKitError('E_IO', `cannot read ${listFile}`, { cause });
  }
  const minPhotos = options.minPhotos ?? 10;
  const people = text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 2 && Number(f[1]) >= minPhotos)
    .map(([name, n]) => ({ name, n: Number(n) }));
  const dir = lfwImagesDir(options.data);
  const paths = people.flatMap(({ name, n }) =>
    Array.from({ length: Math.min(n, options.maxPhotos ?? 10) }, (_, i) =>
      join(dir, name, `${name}_${String(i + 1).padStart(4, '0')}.jpg`),
    ),
  );
  const workers = options.workers ?? availableParallelism();
  const pool = new Piscina({
    filename: new URL('./analyze-quality-worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
  });
  let rows: QualityRow[];
  try {
    let done = 0;
    const chunks = await Promise.all(
      Array.from({ length: Math.ceil(paths.length / 16) }, (_, k) =>
        (pool.run({ paths: paths.slice(16 * k, 16 * k + 16) }) as Promise<QualityRow[]>).then((r) => {
          done += r.length;
          options.onProgress?.(done, paths.length);
          return r;
        }),
      ),
    );
    rows = chunks.flat();
  } finally {
    await pool.destroy();
  }
  const byPerson = new Map<string, QualityRow[]>();
  rows.forEach((r, i) => {
    const name = paths[i].split(/[\\/]/).at(-2) ?? '';
    byPerson.set(name, [...(byPerson.get(name) ?? []), r]);
  });
  const groups = [...byPerson.values()];
  const genderModels = Object.keys(rows[0].male);
  const ageModels = Object.keys(rows[0].age);
  const gender: AnalyzeQualityReport['gender'] = {};
  for (const m of genderModels) {
    let agreeing = 0;
    let majorityMale = 0;
    const shares = groups.map((g) => {
      const males = g.filter((r) => r.male[m] > 0.5).length;
      agreeing += Math.max(males, g.length - males);
      if (males > g.length / 2) majorityMale++;
      return Math.max(males, g.length - males) / g.length;
    });
    gender[m] = {
      meanMajorityShare: mean(shares),
      pooledMajorityShare: agreeing / rows.length,
      peopleMajorityMale: majorityMale / groups.length,
    };
  }
  const age: AnalyzeQualityReport['age'] = {};
  for (const m of ageModels) {
    const within = groups.map((g) => sd(g.map((r) => r.age[m])));
    const means = groups.map((g) => mean(g.map((r) => r.age[m])));
    const withinVar = mean(within.map((s) => s * s));
    const betweenVar = sd(means) ** 2;
    age[m] = {
      meanWithinSd: mean(within),
      medianWithinSd: median(within),
      betweenSd: Math.sqrt(betweenVar),
      icc: betweenVar / (betweenVar + withinVar),
    };
  }
  const genderAgreement: Record<string, number> = {};
  const ageAgreement: AnalyzeQualityReport['ageAgreement'] = {};
  for (let i = 0; i < genderModels.length; i++) {
    for (let j = i + 1; j < genderModels.length; j++) {
      const [a, b] = [genderModels[i], genderModels[j]];
      genderAgreement[`${a} vs ${b}`] = rows.filter((r) => r.male[a] > 0.5 === r.male[b] > 0.5).length / rows.length;
    }
  }
  for (let i = 0; i < ageModels.length; i++) {
    for (let j = i + 1; j < ageModels.length; j++) {
      const [a, b] = [ageModels[i], ageModels[j]];
      const x = rows.map((r) => r.age[a]);
      const y = rows.map((r) => r.age[b]);
      ageAgreement[`${a} vs ${b}`] = { pearson: pearson(x, y), meanAbsDiff: mean(x.map((v, k) => Math.abs(v - y[k]))) };
    }
  }
  return {
    people: groups.length,
    images: rows.length,
    undetected: rows.filter((r) => !r.detected).length,
    gender,
    age,
    genderAgreement,
    ageAgreement,
    emotionShare: share(rows.map((r) => r.emotion ?? '')),
    raceShare: share(rows.map((r) => r.race ?? '')),
  };
}
