import { stat } from 'node:fs/promises';
import { Command, CommanderError, Help } from 'commander';
import { FaceKitError, models } from '@facekit/core';
import { ensureBackend } from './backend.js';
import { cliHint, representJson, representText, verifyJson, verifyText } from './cli-format.js';
import { withEmbedPool } from './commands/gallery.js';
import { commandModules } from './commands/index.js';
import { progress } from './commands/progress.js';
import { type CliIO, errorLine, type ModelFlags, modelFlags, toOptions } from './commands/shared.js';
import { modelOptions } from './options.js';

export { type CliIO, errorLine, toOptions } from './commands/shared.js';
import { listImages } from './gallery/images.js';
import { represent, verify } from './index.js';
import { version } from '../package.json';

const processIO: CliIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
};

/**
 * `facekit represent` over several images (or a folder) through the embedding pool: one line per image in input
 * order as it is ready (JSON Lines with --json: the single-image object plus `path`, or `path` and `error`;
 * `timeMs` is the wall time since the previous line).
 * A failed image is reported on its line; the command goes on and exits 0.
 */
async function representFiles(
  paths: string[],
  flags: ModelFlags & { all?: boolean; workers?: string },
  io: CliIO,
): Promise<void> {
  if (paths.length === 0) throw new FaceKitError('E_INPUT', 'no images found');
  const backend = await ensureBackend(toOptions(flags).backend);
  await withEmbedPool(flags, paths.length, async (p) => {
    const bar = progress(io, 'embedding');
    try {
      let t0 = performance.now();
      for await (const r of p.representMany(paths, {
        all: flags.all ?? false,
        onProgress: (d, t) => bar.update(d, t),
      })) {
        const path = paths[r.index];
        const ms = performance.now() - t0;
        t0 = performance.now();
        if (r.error) {
          const error = { code: r.error.code, message: r.error.message };
          io.stdout(`${flags.json ? JSON.stringify({ path, error }) : `${path}: ${error.code}: ${error.message}`}\n`);
        } else if (flags.json) {
          io.stdout(`${JSON.stringify({ path, ...representJson(r.representations, backend, ms) })}\n`);
        } else {
          io.stdout(`${path}\n${representText(r.representations, backend, ms)}\n`);
        }
      }
    } finally {
      bar.stop();
    }
  });
}

const EMBEDDERS_DOC = 'https://github.com/facekit/facekit/blob/main/docs/guide/embedders.md';

/** The first clause of a model's description, at most ~100 characters: `facekit models` prints one line per model. */
function headline(description: string): string {
  // Sentence ends, colons and semicolons; not "et al. 2014" (a sentence starts with a capital).
  let clause = description.split(/\.\s(?=[A-Z])|:\s|;\s/)[0].replace(/\.$/, '');
  if (clause.split('(').length > clause.split(')').length) clause += ')'; // cut inside a parenthesis
  return clause.length <= 100 ? clause : `${clause.slice(0, 99).trimEnd()}…`;
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
    .showSuggestionAfterError(true)
    // Subcommands inherit this: `--help` marks the options a command cannot run without.
    .configureHelp({
      optionDescription(option) {
        const text = Help.prototype.optionDescription.call(this, option);
        return option.mandatory ? `(required) ${text}` : text;
      },
    });

  modelFlags(
    program.command('verify').description('are two images of the same person?').argument('<img1>').argument('<img2>'),
    true,
  ).action(async (img1: string, img2: string, flags: ModelFlags) => {
    const options = toOptions(flags);
    const r = await verify(img1, img2, options);
    const landmarker = modelOptions(options).landmarker;
    io.stdout(`${flags.json ? JSON.stringify(verifyJson(r, landmarker)) : verifyText(r)}\n`);
  });

  modelFlags(
    program
      .command('represent')
      .description('embedding of the largest face; several images or a folder: one line per image, on every core')
      .argument('<images...>', 'image files or folders'),
    false,
  )
    .option('--all', 'embed every face, not only the largest')
    .option('--workers <n>', 'several images: worker threads (default: one per core; 0 = this thread)')
    .action(async (images: string[], flags: ModelFlags & { all?: boolean; workers?: string }) => {
      const isDir = await stat(images[0]).then(
        (st) => st.isDirectory(),
        () => false,
      );
      if (images.length > 1 || isDir) {
        await representFiles(await listImages(images), flags, io);
        return;
      }
      const img = images[0];
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
      const section = (title: string, items: Array<{ name: string; description: string; dim?: number }>) => [
        `${title}:`,
        ...(items.length
          ? items.map((i) => `  ${i.name.padEnd(16)} ${i.dim ? `${i.dim}-D`.padEnd(8) : ''}${headline(i.description)}`)
          : ['  (none)']),
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
          `full descriptions and provenance: facekit models --json, ${EMBEDDERS_DOC}`,
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
    io.stderr(`${errorLine(e)}${cliHint(e)}\n`);
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
