import { availableParallelism } from 'node:os';
import { ANALYSIS_ACTIONS, type AnalysisAction, FaceKitError } from '@facekit/core';
import { Piscina } from 'piscina';
import { faceApiWorker } from './faceapi-workers.js';
import { firstImages } from './speed.js';

/**
 * Options of the analyse speed benchmark.
 *
 * @example
 * const o: AnalyzeSpeedOptions = { images: 'lfw/images', limit: 200 };
 */
export interface AnalyzeSpeedOptions {
  images: string;
  limit?: number;
  /** facekit's actions (default: all six). */
  actions?: AnalysisAction[];
  workers?: number;
  facekitOnly?: boolean;
  onProgress?: (phase: 'facekit' | 'face-api', done: number, total: number) => void;
}

/**
 * Faces/s of facekit's analyze() and of face-api's detectAllFaces().withAgeAndGender().withFaceExpressions().
 *
 * @example
 * const r: AnalyzeSpeedReport = await benchAnalyzeSpeed({ images: 'lfw/images' }); // r.ratio
 */
export interface AnalyzeSpeedReport {
  images: number;
  workers: number;
  actions: AnalysisAction[];
  facekit: { facesPerSecond: number; imagesPerSecond: number; faces: number; seconds: number; undetected: number };
  faceApi?: { facesPerSecond: number; imagesPerSecond: number; faces: number; seconds: number; undetected: number };
  /** facekit faces/s ÷ face-api faces/s. */
  ratio?: number;
}

type Task = (paths: string[]) => Promise<number[]>;

/** Runs `task` over the images in chunks of 8 on a warm pool, timing only after one warm-up image per worker. */
async function timed(
  file: string,
  workers: number,
  paths: string[],
  extra: object,
  onProgress?: (done: number, total: number) => void,
): Promise<{ facesPerSecond: number; imagesPerSecond: number; faces: number; seconds: number; undetected: number }> {
  const pool = new Piscina({ filename: file, minThreads: workers, maxThreads: workers });
  const run: Task = async (p) => {
    const r = await pool.run({ paths: p, ...extra });
    if (Array.isArray(r)) return r;
    if (!r.ok) throw new FaceKitError(r.code, r.message);
    return r.faces;
  };
  try {
    await Promise.all(Array.from({ length: workers }, () => run(paths.slice(0, 1))));
    const t0 = performance.now();
    let done = 0;
    const counts = await Promise.all(
      Array.from({ length: Math.ceil(paths.length / 8) }, (_, k) =>
        run(paths.slice(8 * k, 8 * k + 8)).then((found) => {
          done += found.length;
          onProgress?.(done, paths.length);
          return found;
        }),
      ),
    );
    const seconds = (performance.now() - t0) / 1000;
    const flat = counts.flat();
    const faces = flat.reduce((a, b) => a + b, 0);
    return {
      facesPerSecond: faces / seconds,
      imagesPerSecond: paths.length / seconds,
      faces,
      seconds,
      undetected: flat.filter((n) => n === 0).length,
    };
  } finally {
    await pool.destroy();
  }
}

/**
 * End-to-end faces/s of analysis (decode → detect → every face analysed) of facekit and of @vladmandic/face-api on
 * the same images, same run, both on wasm with one worker thread per core. Time grows linearly with the images and
 * with the faces per image (each analyser runs once per image on all its faces).
 *
 * @example
 * const r = await benchAnalyzeSpeed({ images: 'lfw/images', limit: 200 }); // r.ratio
 */
export async function benchAnalyzeSpeed(options: AnalyzeSpeedOptions): Promise<AnalyzeSpeedReport> {
  // Without its worker (an installed package) the comparison cannot run: say so before timing facekit.
  const faceApiFile = options.facekitOnly ? undefined : faceApiWorker('faceapi-analyze-worker');
  const paths = await firstImages(options.images, options.limit ?? 200);
  const workers = options.workers ?? availableParallelism();
  const actions = options.actions ?? [...ANALYSIS_ACTIONS];
  const facekit = await timed(
    new URL('./analyze-worker.js', import.meta.url).href,
    workers,
    paths,
    { actions },
    (d, t) => options.onProgress?.('facekit', d, t),
  );
  if (!faceApiFile) return { images: paths.length, workers, actions, facekit };
  const faceApi = await timed(faceApiFile, workers, paths, {}, (d, t) => options.onProgress?.('face-api', d, t)).catch(
    (cause) => {
      throw new FaceKitError(
        'E_DEPENDENCY',
        `the face-api comparison could not run (${String(cause?.message ?? cause).split('\n')[0]}); ` +
          'npm install @vladmandic/face-api @tensorflow/tfjs, or pass --facekit-only',
        { cause },
      );
    },
  );
  return {
    images: paths.length,
    workers,
    actions,
    facekit,
    faceApi,
    ratio: facekit.facesPerSecond / faceApi.facesPerSecond,
  };
}
