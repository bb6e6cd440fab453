import { type Command, CommanderError, Option } from 'commander';
import { FaceKitError, type FlagsOf, type OptionFlag, type OptionSchema, type OptionSpec } from '@facekit/core';
import { NODE_OPTIONS, type NodeOptions } from '../options.js';

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

/**
 * What commander parses the pipeline flags into, derived from NODE_OPTIONS (each option's `cli.flag`), plus --json.
 */
export type ModelFlags = FlagsOf<typeof NODE_OPTIONS> & { json?: boolean };

type Flagged = [key: string, spec: OptionSpec<unknown> & { cli: OptionFlag }];

/** The options of NODE_OPTIONS that have a flag, in schema order. */
const FLAGGED: Flagged[] = Object.entries(NODE_OPTIONS as OptionSchema).filter((e): e is Flagged => !!e[1].cli);

/** The attribute commander stores a flag under: `--no-quick-look` → `quickLook`, `--weights <path>` → `weights`. */
function attribute(flag: string): string {
  return new Option(flag).attributeName();
}

/** CLI flags → Node API options (validated again by the API). A `--no-` flag sets its option only when given. */
export function toOptions(f: ModelFlags): NodeOptions {
  const given = f as Record<string, string | boolean | undefined>;
  const o: Record<string, unknown> = {};
  for (const [key, { cli }] of FLAGGED) {
    const v = given[attribute(cli.flag)];
    if (v === undefined || (cli.value === 'negate' && v !== false)) continue;
    o[key] = cli.value === 'number' ? number(v as string, cli.flag.split(' ')[0].slice(2)) : v;
  }
  return o as NodeOptions;
}

function addFlags(cmd: Command, groups: readonly OptionFlag['group'][]): Command {
  for (const [, spec] of FLAGGED) {
    if (groups.includes(spec.cli.group)) cmd.option(spec.cli.flag, spec.cli.help ?? spec.doc);
  }
  return cmd;
}

/** The pipeline flags (embedder, detector, aligner…), shared by every command that runs the models. */
export function pipelineFlags(cmd: Command): Command {
  return addFlags(cmd, ['pipeline']);
}

/** Flags of the single-image commands (verify, represent): the pipeline's, the face's and, to compare, the verdict's. */
export function modelFlags(cmd: Command, withThreshold: boolean): Command {
  return addFlags(pipelineFlags(cmd), withThreshold ? ['face', 'verdict'] : ['face']).option(
    '--json',
    'print one JSON object',
  );
}

/** The `bench` parent command, created once; bench modules add their subcommands to it. */
export function benchCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'bench') ??
    program.command('bench').description('benchmarks: LFW accuracy, speed against face-api, gallery search')
  );
}
