import type { Command } from 'commander';
import { type AnalysisAction, DEFAULT_ACTIONS, type FaceAnalysis, parseAction } from '@facekit/core';
import { analyze } from '../index.js';
import { type CliIO, type ModelFlags, modelFlags, type RegisterCommands, toOptions } from './shared.js';

/**
 * What deepface prints beside race, said once on stderr whenever race is asked for.
 *
 * @example
 * io.stderr(`${RACE_CAVEAT}\n`);
 */
export const RACE_CAVEAT =
  'note: race is the GEAR model’s estimate of which of five UTKFace appearance classes a face resembles — not ' +
  'identity or ancestry; do not use it to make decisions about people';

interface AnalyzeFlags extends ModelFlags {
  actions?: string;
  all?: boolean;
  ageModel?: string;
  genderModel?: string;
}

/** A short line per face for people: `img  #0  age 31.4  female 0.93  happy 0.81  …`. */
function faceLine(file: string, i: number, a: FaceAnalysis): string {
  const parts = [`${file}  #${i}`];
  if (a.age !== undefined) parts.push(`age ${a.age.toFixed(1)}`);
  if (a.gender) parts.push(`${a.gender.label} ${a.gender.score.toFixed(2)}`);
  if (a.emotion) parts.push(`${a.emotion.dominant} ${a.emotion.scores[a.emotion.dominant].toFixed(2)}`);
  if (a.race) parts.push(`race ${a.race.dominant} ${a.race.scores[a.race.dominant].toFixed(2)}`);
  if (a.spoof) parts.push(`${a.spoof.real ? 'real' : 'fake'} ${a.spoof.score.toFixed(2)}`);
  if (a.liveness) parts.push(`${a.liveness.live ? 'live' : 'not live'} ${a.liveness.score.toFixed(2)}`);
  return parts.join('  ');
}

/** `--actions age,gender` → actions (E_CONFIG for an unknown name). */
function parseActions(list: string | undefined): AnalysisAction[] {
  if (list === undefined) return [...DEFAULT_ACTIONS];
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseAction);
}

async function runAnalyze(images: string[], flags: AnalyzeFlags, io: CliIO): Promise<void> {
  const actions = parseActions(flags.actions);
  const analyzers: Partial<Record<AnalysisAction, string>> = {};
  if (flags.ageModel) analyzers.age = flags.ageModel;
  if (flags.genderModel) analyzers.gender = flags.genderModel;
  if (actions.includes('race')) io.stderr(`${RACE_CAVEAT}\n`);
  const results: Array<{ image: string; faces: FaceAnalysis[] }> = [];
  for (const image of images) {
    const faces = await analyze(image, { ...toOptions(flags), actions, analyzers, all: flags.all ?? false });
    results.push({ image, faces });
    if (!flags.json) for (const [i, a] of faces.entries()) io.stdout(`${faceLine(image, i, a)}\n`);
  }
  if (flags.json) {
    const json = results.map(({ image, faces }) => ({
      image,
      faces: faces.map(({ face, ...rest }) => ({ ...rest, box: face.box, score: face.score })),
    }));
    io.stdout(`${JSON.stringify(json)}\n`);
  }
}

/**
 * `facekit analyze IMG… [--actions age,gender,emotion,race,spoof,liveness] [--all] [--json]`.
 *
 * @example
 * registerAnalyze(program, io);
 */
export const registerAnalyze: RegisterCommands = (program: Command, io: CliIO) => {
  modelFlags(
    program
      .command('analyze')
      .description('age, gender, emotion, race, spoof and liveness of the faces in images')
      .argument('<images...>'),
    false,
  )
    .option(
      '--actions <list>',
      `comma-separated: age, gender, emotion, race, spoof, liveness (default ${DEFAULT_ACTIONS.join(',')})`,
    )
    .option('--all', 'analyse every face, not only the chosen one')
    .option('--age-model <name>', 'age analyser (see `facekit models`)')
    .option('--gender-model <name>', 'gender analyser (see `facekit models`)')
    .action((images: string[], flags: AnalyzeFlags) => runAnalyze(images, flags, io));
};
