import * as tf from '@tensorflow/tfjs-core';
import { FaceKitError } from '@facekit/core';
import { activeBackend } from '../backend.js';
import { verify } from '../index.js';
import type { NodeOptions } from '../options.js';

export interface SoakOptions {
  /** Real images; call i compares image i with image i + 1 (cycled). At least 2. */
  images: readonly string[];
  /** Number of verify() calls after the warm-up. */
  calls: number;
  /** Samples of tensors and RSS to take, evenly spread (default 20). */
  samples?: number;
  /** Options of every call (enforceDetection defaults to false: an image without a face is still a call). */
  options?: NodeOptions;
  onProgress?: (done: number, total: number) => void;
}

export interface SoakSample {
  call: number;
  numTensors: number;
  rssMB: number;
  heapMB: number;
  /** Mean time per call since the previous sample. */
  msPerCall: number;
}

export interface SoakReport {
  calls: number;
  images: number;
  backend: string;
  embedder: string;
  verified: number;
  samples: SoakSample[];
  /** numTensors after the warm-up, and whether every later sample equals it. */
  tensors: { baseline: number; final: number; max: number; plateau: boolean };
  /** RSS growth between the middle and the last third of the run, and whether it stayed under the allowance. */
  rss: { baselineMB: number; finalMB: number; maxMB: number; growthMB: number; allowanceMB: number; plateau: boolean };
  msPerCall: number;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/**
 * RSS has settled when the peak of the last third exceeds the peak of the middle third by at most 32 MB or 5 %:
 * allocator and JIT noise stay under it, a leak of even 10 KB per call over 10,000 calls does not.
 */
function rssPlateau(samples: SoakSample[]): { growthMB: number; allowanceMB: number; plateau: boolean } {
  const third = Math.max(1, Math.floor(samples.length / 3));
  const peak = (s: SoakSample[]) => Math.max(...s.map((x) => x.rssMB));
  const middle = peak(samples.slice(third, 2 * third));
  const growthMB = Math.round((peak(samples.slice(-third)) - middle) * 10) / 10;
  const allowanceMB = Math.max(32, 0.05 * middle);
  return { growthMB, allowanceMB, plateau: growthMB <= allowanceMB };
}

/**
 * Runs `calls` verify() calls on real images and samples tf.memory().numTensors and RSS over time: both must
 * plateau (tensors exactly at the post-warm-up baseline, RSS within an allowance).
 *
 * @example
 * const r = await soak({ images: pathsOfLfwImages, calls: 10_000 });
 * r.tensors.plateau && r.rss.plateau; // true when nothing leaks
 */
export async function soak(o: SoakOptions): Promise<SoakReport> {
  if (o.images.length < 2) throw new FaceKitError('E_INPUT', 'soak needs at least 2 images');
  if (!Number.isInteger(o.calls) || o.calls < 1) throw new FaceKitError('E_CONFIG', 'calls must be a positive integer');
  const options: NodeOptions = { enforceDetection: false, ...o.options };
  const pair = (i: number) => [o.images[i % o.images.length], o.images[(i + 1) % o.images.length]] as const;
  // Warm-up: loads the models and lets every image be seen once, so caches and pools are at their size.
  let embedder = '';
  for (let i = 0; i < Math.min(o.images.length, 20); i++) embedder = (await verify(...pair(i), options)).embedder;
  const baseline = tf.memory().numTensors;
  const every = Math.max(1, Math.floor(o.calls / (o.samples ?? 20)));
  const samples: SoakSample[] = [];
  let verified = 0;
  let last = performance.now();
  const t0 = last;
  for (let i = 1; i <= o.calls; i++) {
    if ((await verify(...pair(i), options)).verified) verified++;
    if (i % every === 0 || i === o.calls) {
      const now = performance.now();
      const m = process.memoryUsage();
      const since = i - (samples.at(-1)?.call ?? 0);
      samples.push({
        call: i,
        numTensors: tf.memory().numTensors,
        rssMB: mb(m.rss),
        heapMB: mb(m.heapUsed),
        msPerCall: Math.round(((now - last) / since) * 10) / 10,
      });
      last = now;
      o.onProgress?.(i, o.calls);
    }
  }
  const tensorCounts = samples.map((s) => s.numTensors);
  return {
    calls: o.calls,
    images: o.images.length,
    backend: activeBackend() ?? tf.getBackend(),
    embedder,
    verified,
    samples,
    tensors: {
      baseline,
      final: tensorCounts.at(-1)!,
      max: Math.max(...tensorCounts),
      plateau: tensorCounts.every((n) => n === baseline),
    },
    rss: {
      baselineMB: samples[0].rssMB,
      finalMB: samples.at(-1)!.rssMB,
      maxMB: Math.max(...samples.map((s) => s.rssMB)),
      ...rssPlateau(samples),
    },
    msPerCall: Math.round(((performance.now() - t0) / o.calls) * 10) / 10,
  };
}
