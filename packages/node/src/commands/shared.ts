import { type Command, CommanderError } from 'commander';
import { FaceKitError, type MetricName } from '@facekit/core';
import { BACKENDS, type BackendPreference } from '../backend.js';
import type { NodeOptions } from '../options.js';

/** Where the CLI writes; tests pass collectors, the bin passes the process streams. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: progress bars are drawn only then (plain lines otherwise). */
  isTTY?: boolean;
}

/** A command module adds its subcommands to the program. */
export type RegisterCommands = (program: Command, io: CliIO) => void;

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

/** A numeric flag, or E_CONFIG naming it. */
export function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new FaceKitError('E_CONFIG', `--${name} expects a number, got '${value}'`);
  }
  return n;
}

/** A positive integer flag, or E_CONFIG naming it. */
export function positiveInt(value: string | undefined, name: string): number | undefined {
  const n = number(value, name);
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) {
    throw new FaceKitError('E_CONFIG', `--${name} expects a positive integer, got '${value}'`);
  }
  return n;
}

export interface ModelFlags {
  embedder?: string;
  detector?: string;
  landmarker?: string;
  align?: string;
  pick?: string;
  flip?: boolean;
  quickLook?: boolean;
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
  if (f.pick !== undefined) o.pick = f.pick as NodeOptions['pick'];
  if (f.flip === false) o.flip = false;
  if (f.quickLook === false) o.quickLook = false;
  if (f.metric !== undefined) o.metric = f.metric as MetricName;
  if (f.threshold !== undefined) o.threshold = number(f.threshold, 'threshold');
  if (f.minFaceScore !== undefined) o.minFaceScore = number(f.minFaceScore, 'min-face-score');
  if (f.weights !== undefined) o.weightsPath = f.weights;
  if (f.backend !== undefined) o.backend = f.backend as BackendPreference;
  if (f.maxPixels !== undefined) o.maxPixels = number(f.maxPixels, 'max-pixels');
  return o;
}

/** The pipeline flags (embedder, detector, aligner…), shared by every command that runs the models. */
export function pipelineFlags(cmd: Command): Command {
  return cmd
    .option('--embedder <name>', 'embedder (see `facekit models`)')
    .option('--detector <name>', 'face detector')
    .option('--landmarker <name>', "landmarker, or 'none' to align on the detector's keypoints")
    .option('--align <mode>', "aligner: '2d', '3d', '3d-dense', 'mesh' or 'none' (see `facekit models`)")
    .option('--no-flip', 'embed each face once, without averaging in its mirror image (faster, slightly less accurate)')
    .option('--no-quick-look', "always the detector's full look: faceCount then counts small bystanders too")
    .option('--weights <path>', 'weights file for an embedder whose weights are not bundled (Keras .h5)')
    .option('--backend <name>', `tfjs backend: ${BACKENDS.join(', ')} (default: FACEKIT_BACKEND, else auto)`);
}

/** Flags of the single-image commands (verify, represent). */
export function modelFlags(cmd: Command, withThreshold: boolean): Command {
  pipelineFlags(cmd).option(
    '--pick <rule>',
    "which face when an image holds several: 'largest' (default) or 'central' (largest, weighted by closeness to the centre)",
  );
  if (withThreshold) {
    cmd
      .option('--metric <name>', 'cosine, euclidean, euclidean-l2 or squared-l2 (default: the embedder’s)')
      .option('--threshold <x>', 'decision threshold (default: the embedder’s for the metric)');
  }
  return cmd
    .option('--min-face-score <x>', 'minimum detector score in [0, 1]')
    .option('--max-pixels <n>', 'refuse images with more pixels (default 50000000)')
    .option('--no-enforce-detection', 'use the whole image when no face is found instead of failing')
    .option('--json', 'print one JSON object');
}

/** The `bench` parent command, created once; bench modules add their subcommands to it. */
export function benchCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'bench') ??
    program.command('bench').description('benchmarks: LFW accuracy, speed against face-api, gallery search')
  );
}
