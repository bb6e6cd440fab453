import type { Command } from 'commander';
import { FaceKitError } from '@facekit/core';
import { type SoakReport, soak } from '../bench/soak.js';
import { firstImages } from '../bench/speed.js';
import { progress } from './progress.js';
import {
  benchCommand,
  type CliIO,
  type ModelFlags,
  pipelineFlags,
  positiveInt,
  type RegisterCommands,
  toOptions,
} from './shared.js';

interface SoakFlags extends Pick<ModelFlags, 'embedder' | 'detector' | 'landmarker' | 'align' | 'weights' | 'backend'> {
  calls?: string;
  images?: string;
  limit?: string;
  samples?: string;
  json?: boolean;
}

function soakText(r: SoakReport): string {
  const yes = (b: boolean) => (b ? 'plateau' : 'GROWING');
  const lines = [
    `${r.calls} verify() calls on ${r.images} images (${r.embedder}, ${r.backend}), ${r.msPerCall} ms per call`,
    '    call  tensors   rss MB  heap MB  ms/call',
    ...r.samples.map(
      (s) =>
        `${String(s.call).padStart(8)} ${String(s.numTensors).padStart(8)} ${s.rssMB.toFixed(1).padStart(8)} ` +
        `${s.heapMB.toFixed(1).padStart(8)} ${s.msPerCall.toFixed(1).padStart(8)}`,
    ),
    `tensors: ${yes(r.tensors.plateau)} (baseline ${r.tensors.baseline}, final ${r.tensors.final}, max ${r.tensors.max})`,
    `rss: ${yes(r.rss.plateau)} (${r.rss.baselineMB} → ${r.rss.finalMB} MB, max ${r.rss.maxMB}; ` +
      `last third grew ${r.rss.growthMB} MB, allowance ${r.rss.allowanceMB} MB)`,
  ];
  return `${lines.join('\n')}\n`;
}

function addSoak(bench: Command, io: CliIO): void {
  pipelineFlags(
    bench
      .command('soak')
      .description('N verify() calls on real images: tf.memory().numTensors and RSS over time must plateau')
      .option('--calls <n>', 'number of verify() calls (default 10000)')
      .option('--images <dir>', 'a folder of face images (default FACEKIT_LFW_DIR/images)')
      .option('--limit <n>', 'use at most N images of the folder (default 40)')
      .option('--samples <n>', 'memory samples over the run (default 20)')
      .option('--json', 'print one JSON object on stdout'),
  ).action(async (f: SoakFlags) => {
    const dir = f.images ?? (process.env.FACEKIT_LFW_DIR && `${process.env.FACEKIT_LFW_DIR}/images`);
    if (!dir) throw new FaceKitError('E_CONFIG', 'bench soak needs --images DIR (or FACEKIT_LFW_DIR)');
    const images = await firstImages(dir, positiveInt(f.limit, 'limit') ?? 40);
    const bar = progress(io, 'soak');
    try {
      const report = await soak({
        images,
        calls: positiveInt(f.calls, 'calls') ?? 10_000,
        samples: positiveInt(f.samples, 'samples'),
        options: toOptions({ ...f, enforceDetection: false }),
        onProgress: (d, t) => bar.update(d, t),
      });
      bar.stop();
      io.stdout(f.json ? `${JSON.stringify(report)}\n` : soakText(report));
    } finally {
      bar.stop();
    }
  });
}

/** `facekit bench soak`. */
export const registerSoak: RegisterCommands = (program, io) => addSoak(benchCommand(program), io);
