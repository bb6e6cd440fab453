import { Command, CommanderError } from 'commander';
import { FaceKitError, models } from '@facekit/core';
import { ensureBackend } from './backend.js';
import { representJson, representText, verifyJson, verifyText } from './cli-format.js';
import { commandModules } from './commands/index.js';
import { type CliIO, errorLine, type ModelFlags, modelFlags, toOptions } from './commands/shared.js';
import { modelOptions } from './options.js';

export { type CliIO, errorLine, toOptions } from './commands/shared.js';
import { represent, verify } from './index.js';
import { version } from '../package.json';

const processIO: CliIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
};

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
    .description('list the registered detectors, landmarkers, aligners, embedders and analysers')
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
        analyzers: models.analyzers.list().map(({ name, description, actions, crop, limits }) => ({
          name,
          description,
          actions,
          crop,
          limits,
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
          ...section(
            'analyzers',
            list.analyzers.map((a) => ({ name: a.name, description: `[${a.actions.join(', ')}] ${a.description}` })),
          ),
        ].join('\n')}\n`,
      );
    });
  for (const register of commandModules) register(program, io);
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
      throw new FaceKitError('E_INPUT', 'missing command (see facekit --help)');
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
