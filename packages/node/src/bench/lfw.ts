import { availableParallelism } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FaceKitError, METRICS, type MetricName, models, vectorDistance } from '@facekit/core';
import {
  type LfwPair,
  type RocPoint,
  type VerificationReport,
  accuracyAt,
  assignFolds,
  chooseThreshold,
  evaluateVerification,
  lfwImagePath,
  parseLfwPairs,
  rocCurve,
} from '@facekit/core/eval';
import { type EmbedCombosOptions, EmbedPool } from '../pool/embed-pool.js';
import { lfwImagesDir } from './lfw-layout.js';
import { comboKey, type ImageEmbeddings, type MultiEmbedderOptions } from './multi-embedder.js';

export interface LfwBenchOptions extends Omit<MultiEmbedderOptions, 'embedders' | 'aligners'>, EmbedCombosOptions {
  /** Worker threads of the embedding pool (default: one per core); 0 runs in this thread. */
  workers?: number;
  /** The LFW folder (holding `images/` and the pairs files) or the images folder itself. */
  data: string;
  /** Pairs file to evaluate (default `<data>/pairs.txt`, View 2). */
  pairs?: string;
  /**
   * Optional separate pairs file to choose the threshold on (View 1: train on pairsDevTrain, report on
   * pairsDevTest). The fold cross-validation on `pairs` is reported either way.
   */
  trainPairs?: string;
  embedders: string[];
  /** Aligners to compare; every embedder runs under every aligner on the same detections (default ['2d']). */
  aligners?: string[];
  /** Folds for a single-set pairs file (View 1); View 2 keeps its 10. */
  folds?: number;
  /** Use only the first N pairs per fold and kind (quick runs and tests). */
  limitPerFold?: number;
  /**
   * Also write the ROC curves (default metric of each embedder × aligner, over all pairs) to this JSON file
   * ({@link LfwRocFile}); the report itself is unchanged.
   */
  rocFile?: string;
}

/** What `rocFile` / `facekit bench lfw --roc FILE` writes: one ROC curve per embedder × aligner. */
export interface LfwRocFile {
  pairsFile: string;
  pairs: number;
  curves: Array<{
    embedder: string;
    aligner: string;
    metric: MetricName;
    auc: number;
    eer: number;
    /** From the smallest to the largest distance threshold; (far, tar) from (0, 0) to (1, 1). */
    points: RocPoint[];
  }>;
}

export interface MetricResult extends VerificationReport {
  metric: MetricName;
  /** With trainPairs: the threshold chosen there and the accuracy it gives on `pairs`. */
  trainThreshold?: number;
  heldOutAccuracy?: number;
}

export interface EmbedderResult {
  embedder: string;
  aligner: string;
  defaultMetric: MetricName;
  /** The embedder's default metric's results, flattened for the JSON output. */
  accuracy: number;
  std: number;
  auc: number;
  eer: number;
  tarAtFar1e3: number;
  /** The threshold each fold used, chosen on the other folds (default metric). */
  foldThresholds: number[];
  metrics: MetricResult[];
}

export interface LfwBenchReport {
  pairsFile: string;
  trainPairsFile?: string;
  pairs: number;
  images: number;
  /** Images where no face was found: they fell back to the whole image and were counted. */
  undetected: number;
  undetectedImages: string[];
  facesPerSecond: number;
  seconds: number;
  detector: string;
  landmarker: string;
  pick: string;
  flip: boolean;
  workers: number;
  /** One per embedder × aligner; the top-level accuracy fields repeat the first. */
  results: EmbedderResult[];
  embedder: string;
  aligner: string;
  accuracy: number;
  std: number;
  auc: number;
  eer: number;
  tarAtFar1e3: number;
}

/** A pairs file with folds assigned, optionally only the first `limit` pairs per fold and kind. */
export async function readPairsFile(
  file: string,
  folds: number | undefined,
  limit: number | undefined,
): Promise<LfwPair[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new FaceKitError('E_IO', `cannot read pairs file ${file}`, { cause });
  }
  let pairs = assignFolds(parseLfwPairs(text), folds ?? 10);
  if (limit !== undefined) {
    const count = new Map<string, number>();
    pairs = pairs.filter((p) => {
      const k = `${p.fold}:${p.same}`;
      const c = (count.get(k) ?? 0) + 1;
      count.set(k, c);
      return c <= limit;
    });
  }
  return pairs;
}

function scorePairs(pairs: LfwPair[], byPath: Map<string, ImageEmbeddings>, key: string, metric: MetricName) {
  return pairs.map((p) => {
    const a = byPath.get(lfwImagePath(p.a))!.vectors[key];
    const b = byPath.get(lfwImagePath(p.b))!.vectors[key];
    return { distance: vectorDistance(a, b, metric), same: p.same };
  });
}

/**
 * The LFW verification protocol from raw images through the full pipeline: each distinct image is embedded once
 * (7,701 for View 2), every pair scored under every metric, and for each fold the threshold is chosen on the others.
 *
 * @example
 * const r = await benchLfw({ data: '../shared/data/lfw', embedders: ['dlib-resnet34'] });
 */
export async function benchLfw(options: LfwBenchOptions): Promise<LfwBenchReport> {
  const { data, pairs: pairsOpt, trainPairs, folds, limitPerFold, rocFile, ...embedOptions } = options;
  for (const e of options.embedders) models.embedders.get(e);
  const aligners = options.aligners ?? ['2d'];
  for (const a of aligners) models.aligners.get(a);
  const pairsFile = pairsOpt ?? join(data, 'pairs.txt');
  const pairs = await readPairsFile(pairsFile, folds, limitPerFold);
  const train = trainPairs ? await readPairsFile(trainPairs, folds, limitPerFold) : [];
  const dir = lfwImagesDir(data);
  const rel = [...new Set([...pairs, ...train].flatMap((p) => [lfwImagePath(p.a), lfwImagePath(p.b)]))];
  const t0 = performance.now();
  const { workers: workersOpt, chunk, onProgress, signal, ...comboOptions } = embedOptions;
  const workers = workersOpt ?? availableParallelism();
  const pool = new EmbedPool({ concurrency: workers });
  let embedded: ImageEmbeddings[];
  try {
    embedded = await pool.embedCombos(
      rel.map((r) => join(dir, r)),
      { ...comboOptions, aligners },
      { chunk, onProgress, signal },
    );
  } finally {
    await pool.destroy();
  }
  const seconds = (performance.now() - t0) / 1000;
  const byPath = new Map(rel.map((r, i) => [r, embedded[i]]));
  const undetectedImages = rel.filter((_, i) => !embedded[i].detected);

  const combos = aligners.flatMap((aligner) => options.embedders.map((embedder) => ({ embedder, aligner })));
  const results = combos.map(({ embedder, aligner }): EmbedderResult => {
    const spec = models.embedders.get(embedder);
    const key = comboKey(embedder, aligner);
    const metrics = METRICS.map((metric): MetricResult => {
      const scored = scorePairs(pairs, byPath, key, metric);
      const report = evaluateVerification(
        scored,
        pairs.map((p) => p.fold),
      );
      if (!train.length) return { metric, ...report };
      const trainThreshold = chooseThreshold(scorePairs(train, byPath, key, metric)).threshold;
      return { metric, ...report, trainThreshold, heldOutAccuracy: accuracyAt(scored, trainThreshold) };
    });
    const main = metrics.find((m) => m.metric === spec.defaultMetric)!;
    return {
      embedder,
      aligner,
      defaultMetric: spec.defaultMetric,
      accuracy: main.accuracy,
      std: main.std,
      auc: main.auc,
      eer: main.eer,
      tarAtFar1e3: main.tarAtFar1e3,
      foldThresholds: main.foldResults.map((f) => f.threshold),
      metrics,
    };
  });
  if (rocFile) {
    const roc: LfwRocFile = {
      pairsFile,
      pairs: pairs.length,
      curves: results.map((r) => ({
        embedder: r.embedder,
        aligner: r.aligner,
        metric: r.defaultMetric,
        auc: r.auc,
        eer: r.eer,
        // -Infinity (the first point's threshold) is not JSON: null there.
        points: rocCurve(scorePairs(pairs, byPath, comboKey(r.embedder, r.aligner), r.defaultMetric)),
      })),
    };
    try {
      await writeFile(rocFile, `${JSON.stringify(roc)}\n`);
    } catch (cause) {
      throw new FaceKitError('E_IO', `cannot write ROC file ${rocFile}`, { cause });
    }
  }
  const first = results[0];
  return {
    pairsFile,
    trainPairsFile: trainPairs,
    pairs: pairs.length,
    images: rel.length,
    undetected: undetectedImages.length,
    undetectedImages,
    facesPerSecond: rel.length / seconds,
    seconds,
    detector: options.detector ?? 'blazeface',
    landmarker: options.landmarker ?? 'facemesh',
    pick: options.pick ?? 'largest',
    flip: options.flip ?? true,
    workers,
    results,
    embedder: first.embedder,
    aligner: first.aligner,
    accuracy: first.accuracy,
    std: first.std,
    auc: first.auc,
    eer: first.eer,
    tarAtFar1e3: first.tarAtFar1e3,
  };
}
