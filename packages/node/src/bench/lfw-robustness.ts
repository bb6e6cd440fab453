import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_EMBEDDER, models, vectorDistance } from '@facekit/core';
import { type LfwPair, accuracyAt, evaluateVerification, lfwImagePath } from '@facekit/core/eval';
import { type EmbedCombosOptions, EmbedPool } from '../pool/embed-pool.js';
import { readPairsFile } from './lfw.js';
import { lfwImagesDir } from './lfw-layout.js';
import { comboKey, type ImageEmbeddings } from './multi-embedder.js';
import {
  assertPerturbParams,
  DEFAULT_PERTURB,
  PERTURB_KINDS,
  type PerturbKind,
  type PerturbParams,
  perturbImage,
} from './perturb.js';

/**
 * Options of the robustness benchmark (`facekit bench lfw --perturb … --detector a,b`).
 *
 * @example
 * const r = await benchLfwRobustness({ data: '../shared/data/lfw', detectors: ['blazeface', 'mtcnn'], perturb: ['rotate'], limitPerFold: 10 });
 */
export interface LfwRobustnessOptions extends Pick<EmbedCombosOptions, 'signal'> {
  data: string;
  /** Pairs file (default `<data>/pairs.txt`, View 2). */
  pairs?: string;
  /** Only the first N matched and N mismatched pairs per fold (a subset that runs in minutes). */
  limitPerFold?: number;
  detectors: string[];
  /** Degradations (default: all of PERTURB_KINDS). */
  perturb?: PerturbKind[];
  params?: Partial<PerturbParams>;
  embedder?: string;
  pick?: 'largest' | 'central';
  flip?: boolean;
  workers?: number;
  backend?: string;
  onProgress?: (phase: string, done: number, total: number) => void;
}

/**
 * One row: a detector under one condition ('clean' or a perturbation kind).
 *
 * @example
 * const worst = report.rows.reduce((a, r) => (r.drop > a.drop ? r : a));
 */
export interface RobustnessRow {
  detector: string;
  condition: 'clean' | PerturbKind;
  /** LFW protocol accuracy: each fold's threshold chosen on the other folds of the same condition. */
  accuracy: number;
  std: number;
  /** Accuracy when each fold keeps the threshold its clean run chose (a deployed, fixed threshold). */
  accuracyAtCleanThresholds: number;
  /** Clean accuracy − this accuracy, in points of fraction (0.01 = one point). */
  drop: number;
  /** Of the images this condition changed (the pairs' second images; all distinct images for 'clean'). */
  images: number;
  undetected: number;
}

/**
 * What benchLfwRobustness returns.
 *
 * @example
 * for (const r of report.rows) console.log(r.detector, r.condition, r.accuracy, r.undetected);
 */
export interface LfwRobustnessReport {
  pairsFile: string;
  pairs: number;
  embedder: string;
  pick: string;
  flip: boolean;
  params: PerturbParams;
  rows: RobustnessRow[];
  /** Per detector: images embedded per second over all its conditions (decode → detect → align → embed). */
  facesPerSecond: Record<string, number>;
  workers: number;
}

/**
 * The robustness benchmark: the LFW protocol once clean and once per perturbation kind, the second image of every
 * pair degraded (reproducibly: files written from `params.seed`, shared by every detector), for each detector.
 * Time: (distinct images + pairs × kinds) embeddings per detector; the degraded files live in a temporary folder,
 * removed afterwards.
 *
 * @example
 * const r = await benchLfwRobustness({ data, detectors: ['blazeface', 'mtcnn'], limitPerFold: 10 });
 */
export async function benchLfwRobustness(options: LfwRobustnessOptions): Promise<LfwRobustnessReport> {
  const params: PerturbParams = { ...DEFAULT_PERTURB, ...options.params };
  assertPerturbParams(params);
  const kinds = options.perturb ?? [...PERTURB_KINDS];
  for (const d of options.detectors) models.detectors.get(d);
  const embedder = options.embedder ?? DEFAULT_EMBEDDER;
  models.embedders.get(embedder);
  const pairsFile = options.pairs ?? join(options.data, 'pairs.txt');
  const pairs = await readPairsFile(pairsFile, undefined, options.limitPerFold);
  const dir = lfwImagesDir(options.data);
  const rel = [...new Set(pairs.flatMap((p) => [lfwImagePath(p.a), lfwImagePath(p.b)]))];
  const tmp = await mkdtemp(join(tmpdir(), 'facekit-perturb-'));
  const workers = options.workers ?? availableParallelism();
  try {
    const perturbed = await writePerturbed(pairs, kinds, params, dir, tmp, options.onProgress);
    const rows: RobustnessRow[] = [];
    const facesPerSecond: Record<string, number> = {};
    for (const detector of options.detectors) {
      const pool = new EmbedPool({ concurrency: workers });
      let embedded: ImageEmbeddings[];
      const paths = [...rel.map((r) => join(dir, r)), ...kinds.flatMap((k) => perturbed[k])];
      const t0 = performance.now();
      try {
        embedded = await pool.embedCombos(
          paths,
          {
            embedders: [embedder],
            aligners: ['2d'],
            detector,
            pick: options.pick ?? 'central',
            flip: options.flip ?? true,
            backend: options.backend,
          },
          { signal: options.signal, onProgress: (d, t) => options.onProgress?.(detector, d, t) },
        );
      } finally {
        await pool.destroy();
      }
      facesPerSecond[detector] = paths.length / ((performance.now() - t0) / 1000);
      rows.push(...evaluate(detector, embedder, pairs, rel, kinds, embedded));
    }
    return {
      pairsFile,
      pairs: pairs.length,
      embedder,
      pick: options.pick ?? 'central',
      flip: options.flip ?? true,
      params,
      rows,
      facesPerSecond,
      workers,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Writes every pair's degraded second image per kind; returns the file paths per kind, in pair order. */
async function writePerturbed(
  pairs: LfwPair[],
  kinds: PerturbKind[],
  params: PerturbParams,
  dir: string,
  tmp: string,
  onProgress: LfwRobustnessOptions['onProgress'],
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  const people = [...new Set(pairs.flatMap((p) => [p.a, p.b]).map((i) => lfwImagePath(i)))];
  const total = pairs.length * kinds.length;
  let done = 0;
  for (const kind of kinds) {
    await mkdir(join(tmp, kind));
    out[kind] = [];
    for (const [i, p] of pairs.entries()) {
      // The bystander: another person's image, chosen by the pair index (deterministic).
      const subject = p.b.name;
      const others = people.filter((r) => !r.startsWith(`${subject}/`) && !r.startsWith(`${p.a.name}/`));
      const bystander = join(dir, others[(i * 7919 + params.seed) % others.length]);
      const file = join(tmp, kind, `${i}.jpg`);
      await writeFile(file, await perturbImage(kind, join(dir, lfwImagePath(p.b)), bystander, params, i));
      out[kind].push(file);
      onProgress?.('perturbing', ++done, total);
    }
  }
  return out;
}

function evaluate(
  detector: string,
  embedder: string,
  pairs: LfwPair[],
  rel: string[],
  kinds: PerturbKind[],
  embedded: ImageEmbeddings[],
): RobustnessRow[] {
  const key = comboKey(embedder, '2d');
  const metric = models.embedders.get(embedder).defaultMetric;
  const clean = new Map(rel.map((r, i) => [r, embedded[i]]));
  const folds = pairs.map((p) => p.fold);
  const score = (second: (p: LfwPair, i: number) => ImageEmbeddings) =>
    pairs.map((p, i) => ({
      distance: vectorDistance(clean.get(lfwImagePath(p.a))!.vectors[key], second(p, i).vectors[key], metric),
      same: p.same,
    }));
  const cleanScored = score((p) => clean.get(lfwImagePath(p.b))!);
  const cleanReport = evaluateVerification(cleanScored, folds);
  const foldThreshold = new Map(cleanReport.foldResults.map((f) => [f.fold, f.threshold]));
  const atClean = (scored: typeof cleanScored) => {
    let ok = 0;
    for (const [fold, threshold] of foldThreshold) {
      const inFold = scored.filter((_, i) => folds[i] === fold);
      ok += accuracyAt(inFold, threshold) * inFold.length;
    }
    return ok / scored.length;
  };
  const rows: RobustnessRow[] = [
    {
      detector,
      condition: 'clean',
      accuracy: cleanReport.accuracy,
      std: cleanReport.std,
      accuracyAtCleanThresholds: atClean(cleanScored),
      drop: 0,
      images: rel.length,
      undetected: rel.filter((r) => !clean.get(r)!.detected).length,
    },
  ];
  kinds.forEach((kind, k) => {
    const offset = rel.length + k * pairs.length;
    const scored = score((_, i) => embedded[offset + i]);
    const report = evaluateVerification(scored, folds);
    rows.push({
      detector,
      condition: kind,
      accuracy: report.accuracy,
      std: report.std,
      accuracyAtCleanThresholds: atClean(scored),
      drop: cleanReport.accuracy - report.accuracy,
      images: pairs.length,
      undetected: pairs.filter((_, i) => !embedded[offset + i].detected).length,
    });
  });
  return rows;
}
