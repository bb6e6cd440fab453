import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  type AlignmentTemplate,
  type Aligner,
  FaceKitError,
  FacePipeline,
  type ModelContext,
  models,
  type PipelineOptions,
} from '@facekit/core';
import type { TrainingData } from '@facekit/core/training';
import * as tf from '@tensorflow/tfjs-core';
import { toImageTensor } from '../decode.js';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/**
 * Options of {@link faceFolderDataset}.
 *
 * @example
 * const o: FaceFolderOptions = { ctx: nodeModelContext(), template: openfaceSpec.template, minImages: 2 };
 */
export interface FaceFolderOptions {
  /** Where the network wants the face: its alignment template (e.g. `openfaceSpec.template`). */
  template: AlignmentTemplate;
  /** Model files for the detector, landmarker and aligner (e.g. `nodeModelContext()`). */
  ctx: ModelContext;
  /** Detector / landmarker / aligner (defaults: the pipeline's); `pick` defaults to 'central'. */
  pipeline?: Omit<PipelineOptions, 'embedder' | 'metric' | 'threshold'>;
  /** Only these identities (folder names), e.g. read from LFW's `peopleDevTrain.txt` with {@link readPeopleFile}. */
  people?: readonly string[];
  /** Skip identities with fewer images (default 1). */
  minImages?: number;
  /** Keep at most this many identities (after filtering, in name order). */
  maxIdentities?: number;
  /** Keep at most this many images per identity (in name order). */
  maxPerIdentity?: number;
}

/**
 * Training data over a folder, plus what it was built from; `dispose()` frees the models and the cached crops.
 *
 * @example
 * const data: FaceFolderDataset = await faceFolderDataset('lfw/images', options);
 * console.log(data.names.length, data.undetected);
 */
export interface FaceFolderDataset extends TrainingData {
  labels: number[];
  /** Identity names, indexed by label. */
  names: string[];
  /** Image paths, indexed by sample. */
  files: string[];
  /** How many images had no detected face and were cropped whole (centred) instead. */
  readonly undetected: number;
  dispose(): void;
}

/**
 * Names from an LFW people file (`peopleDevTrain.txt`: a count line, then `Name<TAB>images`) or a plain list of
 * names, one per line.
 *
 * @example
 * const people = await readPeopleFile('lfw/peopleDevTrain.txt'); // ['AJ_Cook', …]
 */
export async function readPeopleFile(path: string): Promise<string[]> {
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/).map((l) => l.trim());
  return lines.filter((l) => l !== '' && !/^\d+$/.test(l)).map((l) => l.split(/\s+/)[0]);
}

/**
 * A folder of per-identity sub-folders of images (the LFW layout) as triplet / classifier training data. Faces are
 * detected, landmarked and aligned onto `template` by the facekit pipeline on first use, then kept in memory, so
 * later epochs only stack tensors. The largest central face of each image is used; an image without a detected
 * face falls back to the whole image.
 *
 * @example
 * const data = await faceFolderDataset('lfw/images', { ctx: nodeModelContext(), template: openfaceSpec.template });
 */
export async function faceFolderDataset(dir: string, options: FaceFolderOptions): Promise<FaceFolderDataset> {
  let entries: string[];
  try {
    const all = await readdir(dir, { withFileTypes: true });
    // Symlinked identity folders count too (a subset of a big dataset is often built from links).
    const isDir = async (e: (typeof all)[number]) =>
      e.isDirectory() || (e.isSymbolicLink() && (await stat(join(dir, e.name))).isDirectory());
    entries = [];
    for (const e of all) if (await isDir(e)) entries.push(e.name);
    entries.sort();
  } catch (cause) {
    throw new FaceKitError('E_IO', `cannot read training folder ${dir}: ${(cause as Error).message}`, { cause });
  }
  if (options.people) {
    const wanted = new Set(options.people);
    entries = entries.filter((n) => wanted.has(n));
  }
  const names: string[] = [];
  const files: string[] = [];
  const labels: number[] = [];
  for (const name of entries) {
    if (options.maxIdentities !== undefined && names.length >= options.maxIdentities) break;
    const images = (await readdir(join(dir, name)))
      .filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()))
      .sort()
      .slice(0, options.maxPerIdentity);
    if (images.length < (options.minImages ?? 1)) continue;
    for (const f of images) {
      files.push(join(dir, name, f));
      labels.push(names.length);
    }
    names.push(name);
  }
  if (names.length === 0) throw new FaceKitError('E_INPUT', `no identity folders with images in ${dir}`);

  // The embedder is never run; a bundled one keeps the pipeline creatable without downloaded weights.
  const pipeline = await FacePipeline.create(options.ctx, {
    pick: 'central',
    ...options.pipeline,
    embedder: 'faceres',
  });
  let aligner: Aligner;
  try {
    aligner = await models.aligners.get(pipeline.options.align).create(options.ctx);
  } catch (e) {
    pipeline.dispose();
    throw e;
  }
  const cache = new Map<number, tf.Tensor3D>();
  let undetected = 0;

  const crop = async (i: number): Promise<tf.Tensor3D> => {
    const hit = cache.get(i);
    if (hit) return hit;
    const { tensor } = await toImageTensor(files[i]);
    try {
      const [{ face, summary }] = await pipeline.facesToEmbed(tensor, { enforceDetection: false });
      if (summary.chosen === 'fallback') undetected += 1;
      const aligned = aligner.align(tensor, face, options.template);
      cache.set(i, aligned);
      return aligned;
    } finally {
      tensor.dispose();
    }
  };

  return {
    size: files.length,
    classes: names.length,
    labels,
    names,
    files,
    get undetected() {
      return undetected;
    },
    async load(indices) {
      const crops: tf.Tensor3D[] = [];
      for (const i of indices) {
        if (!Number.isInteger(i) || i < 0 || i >= files.length) {
          throw new FaceKitError('E_INPUT', `sample index ${i} out of range [0, ${files.length})`);
        }
        crops.push(await crop(i));
      }
      return { images: tf.stack(crops) as tf.Tensor4D, labels: indices.map((i) => labels[i]) };
    },
    dispose() {
      pipeline.dispose();
      tf.dispose([...cache.values()]);
      cache.clear();
    },
  };
}
