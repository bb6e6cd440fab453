import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { FaceKitError } from '@facekit/core';
import type { TrainingCheckpointSnapshot } from '@facekit/core/training';
import { DEEPFACE_CONFIG, DEEPFACE_TEMPLATE, type DeepFaceConfig, loadDeepFaceKeras } from '@facekit/deepface';
import { type Checkpoint as DeepFaceCheckpoint, trainClassifier } from '@facekit/deepface/train';
import { facenetSpec, openfaceSpec } from '@facekit/facenet';
import {
  type TrainableNetworkName,
  type TripletCheckpoint,
  type TripletSelection,
  trainTriplet,
} from '@facekit/facenet/train';
import { ensureBackend } from '../backend.js';
import { nodeModelContext } from '../model-context.js';
import { CHECKPOINT_JSON, readCheckpointFiles, writeCheckpointFiles } from '../training/checkpoint-files.js';
import { type FaceFolderDataset, faceFolderDataset, readPeopleFile } from '../training/face-folder.js';
import { progress } from './progress.js';
import { type CliIO, number, positiveInt, type RegisterCommands } from './shared.js';

/** Flags both trainers share: the data folder, run length, checkpoints, output. */
interface CommonTrainFlags {
  data: string;
  people?: string;
  maxIdentities?: string;
  maxImagesPerIdentity?: string;
  weights?: string;
  epochs?: string;
  seed?: string;
  checkpoint?: string;
  resume?: boolean;
  out?: string;
  backend?: string;
  json?: boolean;
}

function commonFlags(cmd: Command): Command {
  return cmd
    .requiredOption('--data <dir>', 'folder of per-identity sub-folders of images (the LFW layout)')
    .option('--people <file>', 'only these identities: an LFW people file (peopleDevTrain.txt) or one name per line')
    .option('--max-identities <n>', 'use at most this many identities')
    .option('--max-images-per-identity <n>', 'use at most this many images per identity')
    .option('--weights <path>', 'start from these weights (Keras .h5 or packed facekit weights)')
    .option('--epochs <n>', 'passes over the data')
    .option('--seed <n>', 'seed of the init and the batch draws (default 1)')
    .option('--checkpoint <dir>', 'write checkpoint.json + checkpoint.bin there after every epoch')
    .option('--resume', 'continue from the checkpoint in --checkpoint')
    .option('--backend <name>', 'tfjs backend (default: FACEKIT_BACKEND, else auto)')
    .option('--json', 'print one JSON summary on stdout');
}

/**
 * Loads a folder of identity subfolders, aligning onto `template`, with a progress line while the first epoch fills
 * the cache. `pick` chooses identities and caps images per identity (the flags' strings, checked here).
 */
async function loadFolder(
  dir: string,
  template: Parameters<typeof faceFolderDataset>[1]['template'],
  pick: { people?: string; maxIdentities?: string; maxImagesPerIdentity?: string },
): Promise<FaceFolderDataset> {
  return faceFolderDataset(dir, {
    ctx: nodeModelContext(),
    template,
    people: pick.people ? await readPeopleFile(pick.people) : undefined,
    maxIdentities: positiveInt(pick.maxIdentities, 'max-identities'),
    maxPerIdentity: positiveInt(pick.maxImagesPerIdentity, 'max-images-per-identity'),
  });
}

/** A data set's sizes as the summaries report them. */
function counts(d: FaceFolderDataset): { identities: number; images: number; undetected: number } {
  return { identities: d.classes, images: d.size, undetected: d.undetected };
}

async function resumeFrom<T>(f: CommonTrainFlags): Promise<T | undefined> {
  if (!f.resume) return undefined;
  if (!f.checkpoint) throw new FaceKitError('E_CONFIG', '--resume needs --checkpoint DIR');
  return (await readCheckpointFiles(f.checkpoint)) as T;
}

function checkpointWriter(f: CommonTrainFlags) {
  const dir = f.checkpoint;
  return dir ? { write: (s: TrainingCheckpointSnapshot) => writeCheckpointFiles(dir, s) } : undefined;
}

/** The step bar on stderr, and a closing summary line when not printing JSON. */
function reporter(io: CliIO, label: string) {
  const bar = progress(io, label);
  return {
    step: (step: number, totalSteps: number) => bar.update(step, totalSteps),
    stop: () => bar.stop(),
  };
}

const NETWORK_TEMPLATES = { openface: openfaceSpec.template, facenet: facenetSpec.template } as const;

interface FacenetFlags extends CommonTrainFlags {
  model: string;
  validation?: string;
  validationPeople?: string;
  patience?: string;
  /** False with --no-restore-best (commander's default for a --no- flag is true). */
  restoreBest?: boolean;
  batchIdentities?: string;
  imagesPerIdentity?: string;
  lr?: string;
  margin?: string;
  selection?: string;
  trainableFrom?: string;
}

/** E_CONFIG naming a shared identity when the validation identities are not disjoint from the training ones. */
function assertHeldOut(data: FaceFolderDataset, validation: FaceFolderDataset): void {
  const training = new Set(data.names);
  const shared = validation.names.filter((n) => training.has(n));
  if (shared.length > 0) {
    throw new FaceKitError(
      'E_CONFIG',
      `--validation must hold other identities than --data, but '${shared[0]}' is in both` +
        (shared.length > 1 ? ` (${shared.length} shared)` : ''),
    );
  }
}

/** A best-epoch note: 1-based epochs as in the progress lines, epoch −1 being the starting weights. */
function bestText(best: { epoch: number; validationAuc: number }): string {
  const at = best.epoch < 0 ? 'the starting weights' : `epoch ${best.epoch + 1}`;
  return `${at}, validation AUC ${best.validationAuc.toFixed(4)}`;
}

async function trainFacenet(f: FacenetFlags, io: CliIO): Promise<void> {
  const model = f.model as TrainableNetworkName;
  if (!(model in NETWORK_TEMPLATES)) throw new FaceKitError('E_CONFIG', `--model must be openface or facenet`);
  if (f.selection !== undefined && f.selection !== 'semi-hard' && f.selection !== 'batch-hard') {
    throw new FaceKitError('E_CONFIG', `--selection must be semi-hard or batch-hard, got '${f.selection}'`);
  }
  const patience = positiveInt(f.patience, 'patience');
  if (f.validation === undefined) {
    if (patience !== undefined) throw new FaceKitError('E_CONFIG', '--patience needs --validation DIR');
    if (f.restoreBest === false) throw new FaceKitError('E_CONFIG', '--no-restore-best needs --validation DIR');
    if (f.validationPeople) throw new FaceKitError('E_CONFIG', '--validation-people needs --validation DIR');
  }
  const backend = await ensureBackend(f.backend);
  const resume = await resumeFrom<TripletCheckpoint>(f);
  const template = NETWORK_TEMPLATES[model as keyof typeof NETWORK_TEMPLATES];
  const data = await loadFolder(f.data, template, f);
  let validation: FaceFolderDataset | undefined;
  try {
    if (f.validation !== undefined) {
      // The held-out identities: --validation-people picks them; --people / --max-identities pick the training ones.
      validation = await loadFolder(f.validation, template, {
        people: f.validationPeople,
        maxImagesPerIdentity: f.maxImagesPerIdentity,
      });
      assertHeldOut(data, validation);
    }
  } catch (e) {
    validation?.dispose();
    data.dispose();
    throw e;
  }
  const bar = reporter(io, `train facenet (${model})`);
  const t0 = performance.now();
  try {
    const weights = f.weights ? new Uint8Array(await readWeights(f.weights)) : undefined;
    const { network, history, steps, best, restoredBest, stoppedEarly } = await trainTriplet({
      model,
      data,
      weights,
      resume,
      validation,
      // Unset: trainTriplet's default (on), or the resumed checkpoint's choice.
      restoreBest: f.restoreBest === false ? false : undefined,
      patience,
      trainableFrom: f.trainableFrom,
      epochs: positiveInt(f.epochs, 'epochs'),
      identitiesPerBatch: positiveInt(f.batchIdentities, 'batch-identities'),
      imagesPerIdentity: positiveInt(f.imagesPerIdentity, 'images-per-identity'),
      learningRate: number(f.lr, 'lr'),
      margin: number(f.margin, 'margin'),
      selection: f.selection as TripletSelection | undefined,
      seed: number(f.seed, 'seed'),
      checkpoint: checkpointWriter(f),
      onProgress: (p) => {
        if (p.kind === 'step') bar.step(p.step, p.totalSteps);
        else if (!f.json && !io.isTTY) {
          const auc =
            p.validationAuc === undefined
              ? ''
              : `, validation AUC ${p.validationAuc.toFixed(4)}${p.best ? ` (best: ${bestText(p.best)})` : ''}`;
          io.stderr(`epoch ${p.epoch + 1}: loss ${p.loss.toFixed(4)}, active ${p.activeFraction.toFixed(2)}${auc}\n`);
        }
      },
    });
    bar.stop();
    const early = stoppedEarly ? '; stopped early (--patience)' : '';
    try {
      if (f.out) {
        await mkdir(dirname(f.out), { recursive: true });
        await writeFile(f.out, await network.exportWeights());
      }
    } finally {
      network.dispose();
    }
    summary(
      io,
      f,
      {
        command: 'train facenet',
        model,
        backend,
        ...counts(data),
        steps,
        history,
        validation: validation ? { dir: f.validation, ...counts(validation) } : null,
        best: best ?? null,
        restoredBest,
        stoppedEarly,
        checkpoint: f.checkpoint ? join(f.checkpoint, CHECKPOINT_JSON) : null,
        out: f.out ?? null,
        seconds: (performance.now() - t0) / 1000,
      },
      best ? `; best: ${bestText(best)}${restoredBest ? ' (its weights kept)' : ''}${early}` : '',
    );
  } finally {
    bar.stop();
    validation?.dispose();
    data.dispose();
  }
}

interface DeepfaceFlags extends CommonTrainFlags {
  batchSize?: string;
  lrFrom?: string;
  lrTo?: string;
  momentum?: string;
  width?: string;
  f7?: string;
  inputSize?: string;
  dropout?: string;
}

/** The published DeepFace with every filter count scaled by `width` (same layers, kernels and strides). */
function deepfaceConfig(f: DeepfaceFlags): Partial<DeepFaceConfig> {
  const width = number(f.width, 'width') ?? 1;
  if (!(width > 0 && width <= 1)) throw new FaceKitError('E_CONFIG', `--width must be in (0, 1], got ${width}`);
  const scale = (s: (typeof DEEPFACE_CONFIG)['c1']) => ({ ...s, filters: Math.max(1, Math.round(s.filters * width)) });
  const side = positiveInt(f.inputSize, 'input-size');
  const c: Partial<DeepFaceConfig> = {
    c1: scale(DEEPFACE_CONFIG.c1),
    c3: scale(DEEPFACE_CONFIG.c3),
    l4: scale(DEEPFACE_CONFIG.l4),
    l5: scale(DEEPFACE_CONFIG.l5),
    l6: scale(DEEPFACE_CONFIG.l6),
    f7: positiveInt(f.f7, 'f7') ?? Math.max(1, Math.round(DEEPFACE_CONFIG.f7 * width)),
  };
  if (side) c.inputSize = [side, side];
  const dropout = number(f.dropout, 'dropout');
  if (dropout !== undefined) c.dropout = dropout;
  return c;
}

async function trainDeepface(f: DeepfaceFlags, io: CliIO): Promise<void> {
  const backend = await ensureBackend(f.backend);
  const resume = await resumeFrom<DeepFaceCheckpoint>(f);
  const data = await loadFolder(f.data, DEEPFACE_TEMPLATE, f);
  const bar = reporter(io, 'train deepface');
  const t0 = performance.now();
  const initial = f.weights ? await loadDeepFaceKeras(new Uint8Array(await readWeights(f.weights))) : undefined;
  try {
    const from = number(f.lrFrom, 'lr-from') ?? 0.01;
    const to = number(f.lrTo, 'lr-to') ?? 0.001;
    let last: TrainingCheckpointSnapshot | undefined;
    const sink = checkpointWriter(f);
    const { model, history, steps } = await trainClassifier({
      data,
      config: resume ? undefined : deepfaceConfig(f),
      initialWeights: initial?.weights,
      resume,
      epochs: positiveInt(f.epochs, 'epochs'),
      batchSize: positiveInt(f.batchSize, 'batch-size'),
      learningRate: { from, to },
      momentum: number(f.momentum, 'momentum'),
      seed: number(f.seed, 'seed'),
      checkpoint:
        sink || f.out
          ? {
              write: async (s) => {
                if (sink) await sink.write(s);
                if (f.out && s.state.step === s.state.totalSteps) await writeCheckpointFiles(f.out, s);
                last = s;
              },
            }
          : undefined,
      onProgress: (p) => {
        if (p.kind === 'step') bar.step(p.step, p.totalSteps);
        else if (!f.json && !io.isTTY) {
          io.stderr(`epoch ${p.epoch + 1}: loss ${p.loss.toFixed(4)}, accuracy ${p.accuracy.toFixed(3)}\n`);
        }
      },
    });
    bar.stop();
    model.dispose();
    summary(io, f, {
      command: 'train deepface',
      backend,
      ...counts(data),
      steps,
      history,
      checkpoint: f.checkpoint && last ? join(f.checkpoint, CHECKPOINT_JSON) : null,
      out: f.out ?? null,
      seconds: (performance.now() - t0) / 1000,
    });
  } finally {
    bar.stop();
    initial?.dispose();
    data.dispose();
  }
}

async function readWeights(path: string): Promise<Buffer> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(path);
  } catch (cause) {
    throw new FaceKitError('E_IO', `cannot read weights file ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** Names of history fields in the text summary, where not the field name itself. */
const HISTORY_LABELS: Record<string, string> = { validationAuc: 'validation AUC' };

/** The JSON summary, or one line: steps, data, time, the last epoch's history, then `notes` and the output. */
function summary(io: CliIO, f: CommonTrainFlags, s: Record<string, unknown> & { history: object[] }, notes = ''): void {
  if (f.json) {
    io.stdout(`${JSON.stringify(s)}\n`);
    return;
  }
  const last = s.history[s.history.length - 1] as Record<string, number> | undefined;
  const tail = last
    ? `; last epoch ${Object.entries(last)
        .filter(([k]) => k !== 'epoch')
        .map(([k, v]) => `${HISTORY_LABELS[k] ?? k} ${v.toFixed(4)}`)
        .join(', ')}`
    : '';
  io.stdout(
    `${s.command}: ${s.steps} steps on ${s.images} images of ${s.identities} identities in ` +
      `${(s.seconds as number).toFixed(1)} s${tail}${notes}${s.out ? `; wrote ${s.out}` : ''}\n`,
  );
}

/**
 * `facekit train facenet` (triplet loss, AdaGrad) and `facekit train deepface` (softmax, SGD with momentum) over a
 * folder of identity sub-folders, aligned on the fly by the facekit pipeline.
 */
export const registerTrainCommands: RegisterCommands = (program, io) => {
  const train = program
    .command('train')
    .description('train FaceNet (triplet loss) or DeepFace (softmax) on a face folder');
  commonFlags(
    train.command('facenet').description('FaceNet triplet training: P×K batches, online triplet selection, AdaGrad'),
  )
    .option('--model <name>', 'openface (nn4.small2) or facenet (Inception-ResNet-v1)', 'openface')
    .option('--batch-identities <p>', 'P: identities per batch (default 8)')
    .option('--images-per-identity <k>', 'K: images per identity in a batch (default 4)')
    .option('--lr <x>', "AdaGrad's learning rate (default 0.05)")
    .option('--margin <x>', 'triplet margin α (default 0.2)')
    .option('--selection <rule>', 'semi-hard (default) or batch-hard')
    .option('--trainable-from <layer>', "train only this Keras layer and the ones after it (e.g. 'dense_layer')")
    .option(
      '--validation <dir>',
      'held-out identities (same folder layout as --data, none of its identities): verification AUC after every epoch',
    )
    .option('--validation-people <file>', 'only these identities of --validation (a people file, like --people)')
    .option('--patience <n>', 'with --validation: stop after n epochs without a better validation AUC')
    .option('--no-restore-best', "with --validation: keep the last epoch's weights, not the best epoch's")
    .option('--out <file>', 'write the trained weights (packed facekit weights, readable by --weights)')
    .action((flags: FacenetFlags) => trainFacenet(flags, io));
  commonFlags(train.command('deepface').description('DeepFace identity classifier: softmax, SGD with momentum 0.9'))
    .option('--batch-size <n>', 'mini-batch size (default 128)')
    .option('--lr-from <x>', 'initial learning rate (default 0.01)')
    .option('--lr-to <x>', 'final learning rate (default 0.001)')
    .option('--momentum <x>', 'momentum (default 0.9)')
    .option('--width <x>', 'scale every filter count and F7 of the published network by x in (0, 1] (default 1)')
    .option('--f7 <n>', 'width of F7, the representation (default 4096 × width)')
    .option('--input-size <n>', 'input side in pixels (default 152)')
    .option('--dropout <x>', 'dropout on F7 (default 0.5)')
    .option('--out <dir>', 'write the final model there as a checkpoint folder')
    .action((flags: DeepfaceFlags) => trainDeepface(flags, io));
};
