import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DEFAULT_EMBEDDER } from '@facekit/core';
import { enrollImages } from '../gallery/images.js';
import { SqliteGallery } from '../gallery/sqlite-gallery.js';
import { EmbedPool } from '../pool/embed-pool.js';
import { firstImages } from './speed.js';

/**
 * Options of `facekit bench enroll`.
 *
 * @example
 * await benchEnroll({ images: 'lfw/images', limit: 300 } satisfies EnrollBenchOptions);
 */
export interface EnrollBenchOptions {
  /** A folder of per-person folders of images (`<dir>/<label>/*.jpg`, as LFW's). */
  images: string;
  /** The first N images (default 300). */
  limit?: number;
  embedder?: string;
  align?: string;
  flip?: boolean;
  /** Workers of the "all cores" run (default: one per core). */
  workers?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}

/**
 * One enrolment run: wall time and images per second.
 *
 * @example
 * const run: EnrollRun = report.allCores; // { workers: 2, seconds: 40.1, imagesPerSecond: 7.5 }
 */
export interface EnrollRun {
  workers: number;
  seconds: number;
  imagesPerSecond: number;
}

/**
 * What `facekit bench enroll` measured.
 *
 * @example
 * const r: EnrollBenchReport = await benchEnroll({ images: 'lfw/images' });
 * r.speedup; // all cores ÷ one worker
 */
export interface EnrollBenchReport {
  images: number;
  embedder: string;
  aligner: string;
  flip: boolean;
  cores: number;
  oneWorker: EnrollRun;
  allCores: EnrollRun;
  /** allCores images/s ÷ oneWorker images/s. */
  speedup: number;
  /** The immediate re-run on the all-cores gallery (every file skipped): seconds. */
  rerunSeconds: number;
  /** Re-run time ÷ first (all cores) run time. */
  rerunShare: number;
  /** Files not enrolled in the first run (no face, undecodable); they are tried again by the re-run. */
  failed: number;
}

/**
 * Enrolment throughput through the embedding pool: the same images enrolled into a fresh SQLite gallery with one
 * worker and with all cores (models loaded and warm in every worker before the clock starts; the time covers
 * hashing, embedding and the commits), then an immediate re-run that should skip every file.
 *
 * @example
 * const r = await benchEnroll({ images: '../shared/data/lfw/images', limit: 300 });
 * console.log(r.speedup, r.rerunShare);
 */
export async function benchEnroll(options: EnrollBenchOptions): Promise<EnrollBenchReport> {
  const paths = await firstImages(options.images, options.limit ?? 300);
  const items = paths.map((path) => ({ label: basename(dirname(path)), path }));
  const cores = options.workers ?? availableParallelism();
  const pipeline = { embedder: options.embedder ?? DEFAULT_EMBEDDER, align: options.align, flip: options.flip };
  const dir = mkdtempSync(join(tmpdir(), 'facekit-bench-enroll-'));
  const run = async (workers: number, rerun: boolean) => {
    const pool = new EmbedPool({ concurrency: workers });
    const gallery = await SqliteGallery.open(join(dir, `w${workers}.db`));
    try {
      const embedder = pool.embedderFor(pipeline);
      // Warm-up: every worker loads its models and embeds once (first-use compilation) before timing.
      for await (const _ of embedder.representMany(Array.from({ length: 2 * workers }, () => paths[0]))) {
      }
      const phase = `${workers} worker(s)`;
      const timed = async (label: string) => {
        const t0 = performance.now();
        const r = await enrollImages(gallery, embedder, items, {
          onProgress: (d, t) => options.onProgress?.(label, d, t),
        });
        return { seconds: (performance.now() - t0) / 1000, failed: r.failed.length };
      };
      const first = await timed(phase);
      const again = rerun ? await timed(`${phase}, re-run`) : undefined;
      return { workers, ...first, rerunSeconds: again?.seconds };
    } finally {
      await gallery.close();
      await pool.destroy();
    }
  };
  try {
    const one = await run(1, false);
    const all = await run(cores, true);
    const rate = (r: { seconds: number }) => items.length / r.seconds;
    return {
      images: items.length,
      embedder: pipeline.embedder,
      aligner: options.align ?? '2d',
      flip: options.flip ?? true,
      cores,
      oneWorker: { workers: 1, seconds: one.seconds, imagesPerSecond: rate(one) },
      allCores: { workers: cores, seconds: all.seconds, imagesPerSecond: rate(all) },
      speedup: rate(all) / rate(one),
      rerunSeconds: all.rerunSeconds as number,
      rerunShare: (all.rerunSeconds as number) / all.seconds,
      failed: all.failed,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
