import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_EMBEDDER, FaceKitError } from '@facekit/core';
import { Piscina } from 'piscina';
import { faceApiWorker } from './faceapi-workers.js';
import { EmbedPool } from '../pool/embed-pool.js';

export interface SpeedBenchOptions {
  /** A folder of images (searched recursively for .jpg/.jpeg/.png/.webp). */
  images: string;
  limit?: number;
  embedder?: string;
  /** Aligner for facekit (default '2d'). */
  align?: string;
  /** Test-time flip augmentation (default true, as in the API). */
  flip?: boolean;
  workers?: number;
  /** Skip the face-api comparison. */
  facekitOnly?: boolean;
  onProgress?: (phase: 'facekit' | 'face-api', done: number, total: number) => void;
}

export interface SpeedBenchReport {
  images: number;
  workers: number;
  embedder: string;
  aligner: string;
  flip: boolean;
  facekit: { imagesPerSecond: number; seconds: number; undetected: number };
  faceApi?: { imagesPerSecond: number; seconds: number; undetected: number };
  /** facekit images/s ÷ face-api images/s. */
  ratio?: number;
}

/**
 * The first `limit` image files under a folder, in locale order per folder level, stopping the walk once it has
 * them (gallery's `listImages` lists everything instead). The published benchmark runs used this order.
 */
export async function firstImages(dir: string, limit = Number.POSITIVE_INFINITY): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (out.length >= limit) return;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (/\.(jpe?g|png|webp)$/i.test(e.name)) out.push(p);
    }
  };
  try {
    await walk(dir);
  } catch (cause) {
    throw new FaceKitError('E_IO', `cannot read image folder ${dir}`, { cause });
  }
  if (out.length === 0) throw new FaceKitError('E_INPUT', `no images found under ${dir}`);
  return out;
}

async function runFaceApi(
  filename: string,
  paths: string[],
  workers: number,
  onProgress?: SpeedBenchOptions['onProgress'],
) {
  const pool = new Piscina({
    filename,
    minThreads: workers,
    maxThreads: workers,
  });
  try {
    // Warm-up: one image per worker (model load, wasm compile) before the clock starts. face-api and
    // @tensorflow/tfjs are not dependencies of @facekit/node: a failure to load them is E_DEPENDENCY.
    await Promise.all(Array.from({ length: workers }, () => pool.run({ paths: paths.slice(0, 1) }))).catch((cause) => {
      throw new FaceKitError(
        'E_DEPENDENCY',
        `the face-api comparison could not start (${String(cause?.message ?? cause).split('\n')[0]}); ` +
          'npm install @vladmandic/face-api @tensorflow/tfjs, or pass --facekit-only',
        { cause },
      );
    });
    const t0 = performance.now();
    let done = 0;
    let undetected = 0;
    const chunk = 8;
    const tasks: Promise<void>[] = [];
    for (let i = 0; i < paths.length; i += chunk) {
      tasks.push(
        pool.run({ paths: paths.slice(i, i + chunk) }).then((found: number[]) => {
          undetected += found.filter((n) => n === 0).length;
          done += found.length;
          onProgress?.('face-api', done, paths.length);
        }),
      );
    }
    await Promise.all(tasks);
    const seconds = (performance.now() - t0) / 1000;
    return { imagesPerSecond: paths.length / seconds, seconds, undetected };
  } finally {
    await pool.destroy();
  }
}

/**
 * End-to-end images/s (decode → verdict-ready embedding) of facekit and of @vladmandic/face-api's usual pipeline on
 * the same images, same machine, same run, both on the wasm backend with one worker thread per core.
 *
 * @example
 * const r = await benchSpeed({ images: 'lfw/images', limit: 200 }); // r.ratio
 */
export async function benchSpeed(options: SpeedBenchOptions): Promise<SpeedBenchReport> {
  // Without its worker (an installed package) the comparison cannot run: say so before timing facekit.
  const faceApiFile = options.facekitOnly ? undefined : faceApiWorker('faceapi-worker');
  const paths = await firstImages(options.images, options.limit ?? 200);
  const workers = options.workers ?? availableParallelism();
  const embedder = options.embedder ?? DEFAULT_EMBEDDER;
  const aligner = options.align ?? '2d';
  const comboOptions = { embedders: [embedder], aligners: [aligner], flip: options.flip };
  const pool = new EmbedPool({ concurrency: workers });
  let facekit: SpeedBenchReport['facekit'];
  try {
    await pool.warmUp(paths[0], comboOptions);
    const t0 = performance.now();
    const res = await pool.embedCombos(paths, comboOptions, {
      onProgress: (d, t) => options.onProgress?.('facekit', d, t),
    });
    const seconds = (performance.now() - t0) / 1000;
    facekit = { imagesPerSecond: paths.length / seconds, seconds, undetected: res.filter((r) => !r.detected).length };
  } finally {
    await pool.destroy();
  }
  if (!faceApiFile) return { images: paths.length, workers, embedder, aligner, flip: options.flip ?? true, facekit };
  const faceApi = await runFaceApi(faceApiFile, paths, workers, options.onProgress);
  return {
    images: paths.length,
    workers,
    embedder,
    aligner,
    flip: options.flip ?? true,
    facekit,
    faceApi,
    ratio: facekit.imagesPerSecond / faceApi.imagesPerSecond,
  };
}
