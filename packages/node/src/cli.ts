import { Command, CommanderError } from 'commander';
import { FaceKitError, type MetricName, models } from '@facekit/core';
import { BACKENDS, type BackendPreference, ensureBackend } from './backend.js';
import { representJson, representText, verifyJson, verifyText } from './cli-format.js';
import { modelOptions, type NodeOptions } from './options.js';
import { represent, verify } from './index.js';
import { version } from '../package.json';

/** Where the CLI writes; tests pass collectors, the bin passes the process streams. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIO: CliIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** The single stderr line for any failure: `facekit: E_CODE: message`. */
export function errorLine(e: unknown): string {
  const err = e as { name?: string; code?: unknown; message?: unknown };
  if (e instanceof FaceKitError || (err?.name === 'FaceKitError' && typeof err.code === 'string')) {
    return `facekit: ${String(err.code)}: ${oneLine(String(err.message))}`;
  }
  if (e instanceof CommanderError) return `facekit: E_INPUT: ${oneLine(e.message.replace(/^error:\s*/, ''))}`;
  const msg = e instanceof Error ? e.message : String(e);
  return `facekit: E_INTERNAL: ${oneLine(msg) || 'unexpected error'}`;
}

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new FaceKitError('E_CONFIG', `--${name} expects a number, got '${value}'`);
  }
  return n;
}

interface ModelFlags {
  embedder?: string;
  detector?: string;
  landmarker?: string;
  align?: string;
  metric?: string;
  threshold?: string;
  minFaceScore?: string;
  weights?: string;
  backend?: string;
  maxPixels?: string;
  enforceDetection: boolean;
  json?: boolean;
}

/** CLI flags → Node API options (validated again by the API). */
export function toOptions(f: ModelFlags): NodeOptions {
  const o: NodeOptions = { enforceDetection: f.enforceDetection };
  if (f.embedder !== undefined) o.embedder = f.embedder;
  if (f.detector !== undefined) o.detector = f.detector;
  if (f.landmarker !== undefined) o.landmarker = f.landmarker;
  if (f.align !== undefined) o.align = f.align;
  if (f.metric !== undefined) o.metric = f.metric as MetricName;
  if (f.threshold !== undefined) o.threshold = number(f.threshold, 'threshold');
  if (f.minFaceScore !== undefined) o.minFaceScore = number(f.minFaceScore, 'min-face-score');
  if (f.weights !== undefined) o.weightsPath = f.weights;
  if (f.backend !== undefined) o.backend = f.backend as BackendPreference;
  if (f.maxPixels !== undefined) o.maxPixels = number(f.maxPixels, 'max-pixels');
  return o;
}

function modelFlags(cmd: Command, withThreshold: boolean): Command {
  cmd
    .option('--embedder <name>', 'embedder (see `facekit models`)')
    .option('--detector <name>', 'face detector')
    .option('--landmarker <name>', "landmarker, or 'none' to align on the detector's keypoints")
    .option('--align <mode>', "aligner: '2d' or 'none'");
  if (withThreshold) {
    cmd
      .option('--metric <name>', 'cosine, euclidean, euclidean-l2 or squared-l2 (default: the embedder’s)')
      .option('--threshold <x>', 'decision threshold (default: the embedder’s for the metric)');
  }
  return cmd
    .option('--min-face-score <x>', 'minimum detector score in [0, 1]')
    .option('--weights <path>', 'weights file for an embedder whose weights are not bundled')
    .option('--backend <name>', `tfjs backend: ${BACKENDS.join(', ')} (default: FACEKIT_BACKEND, else auto)`)
    .option('--max-pixels <n>', 'refuse images with more pixels (default 50000000)')
    .option('--no-enforce-detection', 'use the whole image when no face is found instead of failing')
    .option('--json', 'print one JSON object');
}

function buildProgram(io: CliIO): Command {
  const program = new Command('facekit');
  program
    .description('Face verification and embeddings from the command line')
    .version(version)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: () => undefined, // errors are reported once, as `facekit: E_CODE: message`
    })
    .showSuggestionAfterError(true);

  modelFlags(
    program.command('verify').description('are two images of the same person?').argument('<img1>').argument('<img2>'),
    true,
  ).action(async (img1: string, img2: string, flags: ModelFlags) => {
    const options = toOptions(flags);
    const r = await verify(img1, img2, options);
    const landmarker = modelOptions(options).landmarker;
    io.stdout(`${flags.json ? JSON.stringify(verifyJson(r, landmarker)) : verifyText(r)}\n`);
  });

  modelFlags(program.command('represent').description('embedding of the largest face').argument('<img>'), false)
    .option('--all', 'embed every face, not only the largest')
    .action(async (img: string, flags: ModelFlags & { all?: boolean }) => {
      const t0 = performance.now();
      const options = toOptions(flags);
      const reps = await represent(img, { ...options, all: flags.all ?? false });
      const backend = await ensureBackend(options.backend);
      const ms = performance.now() - t0;
      io.stdout(
        `${flags.json ? JSON.stringify(representJson(reps, backend, ms)) : representText(reps, backend, ms)}\n`,
      );
    });

  program
    .command('models')
    .description('list the registered detectors, landmarkers, aligners and embedders')
    .option('--json', 'print one JSON object')
    .action((flags: { json?: boolean }) => {
      const list = {
        detectors: models.detectors.list().map(({ name, description }) => ({ name, description })),
        landmarkers: models.landmarkers.list().map(({ name, description }) => ({ name, description })),
        aligners: models.aligners.list().map(({ name, description }) => ({ name, description })),
        embedders: models.embedders.list().map((e) => ({
          name: e.name,
          description: e.description,
          dim: e.dim,
          defaultMetric: e.defaultMetric,
          thresholds: e.thresholds,
        })),
      };
      if (flags.json) {
        io.stdout(`${JSON.stringify(list)}\n`);
        return;
      }
      const section = (title: string, items: Array<{ name: string; description: string }>) => [
        `${title}:`,
        ...(items.length ? items.map((i) => `  ${i.name.padEnd(16)} ${i.description}`) : ['  (none)']),
      ];
      io.stdout(
        `${[
          ...section('detectors', list.detectors),
          ...section('landmarkers', list.landmarkers),
          ...section('aligners', list.aligners),
          ...section('embedders', list.embedders),
        ].join('\n')}\n`,
      );
    });
  return program;
}

/**
 * Runs the CLI on `argv` (the arguments after `facekit`) and returns the exit code: 0 for a verdict either way,
 * 1 for an error, reported as exactly one stderr line `facekit: E_CODE: message`.
 *
 * @example
 * const code = await main(['verify', 'a.jpg', 'b.jpg', '--json']);
 */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const program = buildProgram(io);
  try {
    if (argv.length === 0) {
      throw new FaceKitError('E_INPUT', 'missing command: verify, represent or models (see facekit --help)');
    }
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    // --help and --version end through exitOverride with exit code 0.
    if (e instanceof CommanderError && e.exitCode === 0) return 0;
    io.stderr(`${errorLine(e)}\n`);
    if (process.env.FACEKIT_DEBUG && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
    return 1;
  }
}

/** The bin's entry: quiet tfjs / TensorFlow logging, process streams, exit code. */
export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  const tf = await import('@tensorflow/tfjs-core');
  tf.env().set('PROD', true); // no "install tfjs-node" banner on stderr
  process.exitCode = await main(argv);
}
