import * as tf from '@tensorflow/tfjs-core';
import './gradients.js';
import { FaceKitError } from '@facekit/core';
import {
  decodeCheckpointTensors,
  positiveInteger,
  restoreOptimizer,
  runTrainingLoop,
  type TrainingCheckpoint,
  type TrainingCheckpointSnapshot,
  type TrainingCheckpointWriter,
  type TrainingData,
  type TrainingRunOptions,
} from '@facekit/core/training';
import { auc, rocCurve, type ScoredPair } from '@facekit/core/eval';
import type { NetworkDefinition } from './graph.js';
import { groupByIdentity, identityBatch, stepsPerEpoch } from './identity-batches.js';
import { inceptionResnetV1 } from './inception-resnet-v1.js';
import { openfaceNetwork } from './openface.js';
import type { Preprocess } from './embedder.js';
import { prewhiten, scaleToUnit } from './preprocess.js';
import { type InitialWeights, TrainableNetwork } from './trainable-network.js';
import { l2NormalizeRows, pairwiseSquaredDistances, tripletLoss } from './triplet-loss.js';
import { selectTriplets, type TripletSelection } from './triplet-selection.js';

/**
 * The `format` of the checkpoints `trainTriplet` writes and accepts as `resume`.
 *
 * @example
 * if (ckpt.format === TRIPLET_CHECKPOINT_FORMAT) await trainTriplet({ model: 'openface', data, resume: ckpt });
 */
export const TRIPLET_CHECKPOINT_FORMAT = 'facekit-facenet-triplet-checkpoint@1';

/**
 * The networks `trainTriplet` knows by name, with the preprocessing their embedders use.
 *
 * @example
 * const { definition, preprocess } = TRAINABLE_NETWORKS.openface; // definition() → openfaceNetwork; scaleToUnit
 */
export const TRAINABLE_NETWORKS = {
  openface: { definition: () => openfaceNetwork, preprocess: scaleToUnit },
  facenet: { definition: () => inceptionResnetV1(128), preprocess: prewhiten },
  facenet512: { definition: () => inceptionResnetV1(512), preprocess: prewhiten },
} satisfies Record<string, { definition: () => NetworkDefinition; preprocess: Preprocess }>;
/**
 * A network name `trainTriplet` accepts: 'openface', 'facenet' or 'facenet512'.
 *
 * @example
 * const model: TrainableNetworkName = 'facenet512';
 */
export type TrainableNetworkName = keyof typeof TRAINABLE_NETWORKS;

/**
 * Training state stored with a checkpoint (JSON).
 *
 * @example
 * const { step, totalSteps, history }: TripletState = ckpt.state;
 */
export interface TripletState {
  step: number;
  totalSteps: number;
  epochs: number;
  identitiesPerBatch: number;
  imagesPerIdentity: number;
  margin: number;
  selection: TripletSelection;
  learningRate: number;
  seed: number;
  trainableFrom?: string;
  /**
   * Per-epoch mean triplet loss and fraction of active (margin-violating) triplets, and with `validation` the
   * verification ROC AUC on it after the epoch.
   */
  history: Array<{ epoch: number; loss: number; activeFraction: number; validationAuc?: number }>;
  /** With `validation`: whether the best epoch's weights are restored at the end. */
  restoreBest?: boolean;
  /** With `validation`: epochs without a better validation AUC after which training stops. */
  patience?: number;
  /**
   * With `validation`: the best validation AUC so far and its epoch (−1: the starting weights, scored before the
   * first step).
   */
  best?: { epoch: number; validationAuc: number };
  /** Set when training stopped early (`patience`); a resume does not train further. */
  stoppedEarly?: boolean;
}

/**
 * The configuration stored with a triplet checkpoint: which network was trained.
 *
 * @example
 * const config: TripletConfig = { network: 'openface' };
 */
export interface TripletConfig {
  network: TrainableNetworkName;
}
/**
 * An in-memory triplet-training checkpoint, what `resume` takes.
 *
 * @example
 * const json = JSON.parse(await readFile('checkpoint.json', 'utf8'));
 * const ckpt: TripletCheckpoint = { ...json, data: await readFile('checkpoint.bin') };
 */
export type TripletCheckpoint = TrainingCheckpoint<TripletConfig, TripletState>;
/**
 * A triplet-training checkpoint as handed to the writer: JSON fields plus the tensor data as chunks.
 *
 * @example
 * const save = async (s: TripletCheckpointSnapshot) => { for await (const chunk of s.chunks()) out.write(chunk); };
 */
export type TripletCheckpointSnapshot = TrainingCheckpointSnapshot<TripletConfig, TripletState>;
/**
 * Stores a triplet-training checkpoint (`checkpoint.write` of {@link TripletTrainOptions}).
 *
 * @example
 * let last: TripletCheckpoint | undefined;
 * const write: TripletCheckpointWriter = async (s) => { last = await collectCheckpoint(s); };
 */
export type TripletCheckpointWriter = TrainingCheckpointWriter<TripletConfig, TripletState>;

/**
 * A progress event of {@link trainTriplet}: after every step, and with epoch means after each epoch.
 *
 * @example
 * const onProgress = (p: TripletProgress) => console.log(p.epoch, p.step, p.loss, p.activeFraction);
 */
export interface TripletProgress {
  /** 'step' after every optimiser step, 'epoch' after the last step of an epoch (with epoch means). */
  kind: 'step' | 'epoch';
  epoch: number;
  step: number;
  totalSteps: number;
  /** Mean triplet loss of the batch / epoch. */
  loss: number;
  /** Fraction of the selected triplets with a non-zero loss (the ones that still teach something). */
  activeFraction: number;
  /** Triplets selected in the batch ('step') or per batch on average ('epoch'). */
  triplets: number;
  /** 'epoch' with `validation`: verification ROC AUC on the validation set after this epoch. */
  validationAuc?: number;
  /** 'epoch' with `validation`: the best validation AUC so far and its epoch (−1: the starting weights). */
  best?: { epoch: number; validationAuc: number };
  elapsedMs: number;
}

/**
 * Options of {@link trainTriplet}. Defaults follow the FaceNet paper: margin α = 0.2, semi-hard negatives,
 * AdaGrad with learning rate 0.05.
 *
 * @example
 * const options: TripletTrainOptions = { model: 'facenet', data, identitiesPerBatch: 8, imagesPerIdentity: 4 };
 */
export interface TripletTrainOptions extends TrainingRunOptions<TripletProgress, TripletConfig, TripletState> {
  /** Which network to train. */
  model: TrainableNetworkName;
  /** Labelled aligned faces (0..255, any size: resized to the network's input); `labels` must be given. */
  data: TrainingData;
  /** Starting weights (Keras `.h5`, packed facekit weights, or tensors, copied); default a seeded random init. */
  weights?: InitialWeights;
  /**
   * Train only this layer (Keras name, e.g. 'dense_layer') and the ones after it; the trunk stays frozen. When the
   * network splits cleanly there (see `TrainableNetwork.trunkShape`, true of OpenFace's `dense_layer`), the frozen
   * trunk's output of each image is computed once and cached (within `trunkCacheBytes`): later steps and validation
   * run only the trainable head. Nothing changes but the speed: the trunk is frozen, BatchNorm runs in inference
   * mode and trainTriplet does no augmentation, so an image's trunk output never changes.
   */
  trainableFrom?: string;
  /**
   * Memory for the cached frozen-trunk outputs, in bytes (default 512 MiB; 0 turns the cache off). Images beyond it
   * run through the trunk at every step, as without `trainableFrom`. OpenFace's trunk output is 736 floats (2.9 KiB).
   */
  trunkCacheBytes?: number;
  /** P: identities per batch (default 8). */
  identitiesPerBatch?: number;
  /** K: images per identity in a batch (default 4). */
  imagesPerIdentity?: number;
  /** α (default 0.2). */
  margin?: number;
  /** Default 'semi-hard'. */
  selection?: TripletSelection;
  /** AdaGrad's learning rate (default 0.05). */
  learningRate?: number;
  /**
   * Held-out labelled faces, of other identities than `data`, scored after every epoch (and once before the first
   * step) by the verification ROC AUC of all its same/different-identity pairs (squared L2 distance of the
   * embeddings); at least 2 identities with 2 images. It picks the epoch `restoreBest` keeps and drives `patience`;
   * never pass the faces you will report results on.
   */
  validation?: TrainingData;
  /**
   * With `validation`: end with the weights of the epoch with the best validation AUC, the starting weights
   * included, so a run that only overfits gives back what it started from (default true).
   */
  restoreBest?: boolean;
  /** With `validation`: stop after this many epochs without a better validation AUC (default: never stop early). */
  patience?: number;
  // epochs, seed (init, batch draws), onProgress, checkpoint, resume (its weights replace `weights`), signal:
  // TrainingRunOptions.
}

/**
 * What {@link trainTriplet} returns: the trained network, per-epoch history and the number of steps run.
 *
 * @example
 * const { network, history }: TripletTrainResult = await trainTriplet({ model: 'openface', data, epochs: 2 });
 * const inference = network.toFaceNetwork();
 * network.dispose();
 */
export interface TripletTrainResult {
  /** The trained network (variables); the caller disposes it. `toFaceNetwork()` gives an inference copy. */
  network: TrainableNetwork;
  history: TripletState['history'];
  steps: number;
  /**
   * With `validation`: the best validation AUC and its epoch (−1: the starting weights); with `restoreBest`, the
   * weights `network` holds.
   */
  best?: { epoch: number; validationAuc: number };
  /** True when `network` holds the best validation epoch's weights (`validation` with `restoreBest`). */
  restoredBest: boolean;
  /** True when `patience` ended training before its planned epochs (here or in the run it resumed). */
  stoppedEarly: boolean;
}

function positive(v: number, what: string): number {
  if (!Number.isFinite(v) || v <= 0) throw new FaceKitError('E_CONFIG', `${what} must be a number > 0, got ${v}`);
  return v;
}

/** Aligned faces 0..255 → the network's input: resized when needed, then the network's own preprocessing. */
function networkInput(images: tf.Tensor4D, inputSize: [number, number], preprocess: Preprocess): tf.Tensor4D {
  return tf.tidy(() => {
    let x = tf.cast(images, 'float32') as tf.Tensor4D;
    if (x.shape[1] !== inputSize[0] || x.shape[2] !== inputSize[1]) {
      x = tf.image.resizeBilinear(x, inputSize, false, true);
    }
    return preprocess(x);
  });
}

/**
 * Embeds images 0..255 with a (trainable) network: its preprocessing, then L2-normalised rows. The caller disposes.
 *
 * @example
 * const emb = embedWith(result.network, 'openface', faces); // [n, 128], unit rows
 */
export function embedWith(network: TrainableNetwork, name: TrainableNetworkName, images: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() =>
    l2NormalizeRows(
      network.predict(networkInput(images, network.definition.inputSize, TRAINABLE_NETWORKS[name].preprocess)),
    ),
  );
}

function resolveState(o: TripletTrainOptions, stepsPerEpochOf: (p: number) => number): TripletState {
  const r = o.resume?.state;
  const validating = o.validation !== undefined;
  const patience = o.patience ?? r?.patience;
  const identitiesPerBatch = positiveInteger(o.identitiesPerBatch ?? r?.identitiesPerBatch ?? 8, 'identitiesPerBatch');
  const imagesPerIdentity = positiveInteger(o.imagesPerIdentity ?? r?.imagesPerIdentity ?? 4, 'imagesPerIdentity');
  if (imagesPerIdentity < 2) throw new FaceKitError('E_CONFIG', 'imagesPerIdentity must be ≥ 2 (anchor + positive)');
  const epochs = positiveInteger(o.epochs ?? r?.epochs ?? 10, 'epochs');
  const selection = o.selection ?? r?.selection ?? 'semi-hard';
  if (selection !== 'semi-hard' && selection !== 'batch-hard') {
    throw new FaceKitError('E_CONFIG', `selection must be 'semi-hard' or 'batch-hard', got '${String(selection)}'`);
  }
  return {
    step: r?.step ?? 0,
    totalSteps: epochs * stepsPerEpochOf(identitiesPerBatch),
    epochs,
    identitiesPerBatch,
    imagesPerIdentity,
    margin: positive(o.margin ?? r?.margin ?? 0.2, 'margin'),
    selection,
    learningRate: positive(o.learningRate ?? r?.learningRate ?? 0.05, 'learningRate'),
    seed: o.seed ?? r?.seed ?? 1,
    trainableFrom: o.trainableFrom ?? r?.trainableFrom,
    history: r ? structuredClone(r.history) : [],
    ...(validating && {
      restoreBest: o.restoreBest ?? r?.restoreBest ?? true,
      ...(patience !== undefined && { patience: positiveInteger(patience, 'patience') }),
      ...(r?.best && { best: { ...r.best } }),
    }),
    ...(r?.stoppedEarly && { stoppedEarly: true }),
  };
}

/** Frozen-trunk outputs by data set and sample index, as plain arrays (no tensors), within a byte budget. */
class TrunkCache {
  private readonly rows = new Map<TrainingData, Map<number, Float32Array>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(source: TrainingData, i: number): Float32Array | undefined {
    return this.rows.get(source)?.get(i);
  }

  add(source: TrainingData, i: number, row: Float32Array): void {
    let rows = this.rows.get(source);
    if (rows?.has(i) || this.bytes + row.byteLength > this.maxBytes) return;
    if (!rows) {
      rows = new Map();
      this.rows.set(source, rows);
    }
    rows.set(i, row);
    this.bytes += row.byteLength;
  }
}

/**
 * How a step feeds the network: whole images through `predict`, or (frozen trunk split off) cached trunk outputs
 * through `head`. `input` loads and prepares the samples; `forward` runs the trainable part on what `input` gave.
 */
interface Feeder {
  input(source: TrainingData, cache: TrunkCache, indices: number[]): Promise<tf.Tensor>;
  forward(x: tf.Tensor): tf.Tensor2D;
}

function feeder(net: TrainableNetwork, preprocess: Preprocess, useTrunk: boolean): Feeder {
  const inputSize = net.definition.inputSize;
  const load = async (source: TrainingData, indices: number[], f: (x: tf.Tensor4D) => tf.Tensor) => {
    const batch = await source.load(indices);
    try {
      return tf.tidy(() => f(networkInput(batch.images, inputSize, preprocess)));
    } finally {
      batch.images.dispose();
    }
  };
  const shape = useTrunk ? net.trunkShape : undefined;
  if (!shape) {
    return {
      input: (source, _, indices) => load(source, indices, (x) => x),
      forward: (x) => net.predict(x as tf.Tensor4D),
    };
  }
  const rowSize = shape.reduce((a, b) => a * b, 1);
  return {
    async input(source, cache, indices) {
      const fresh = new Map<number, Float32Array>();
      const missing = [...new Set(indices.filter((i) => !cache.get(source, i)))];
      if (missing.length > 0) {
        const out = await load(source, missing, (x) => net.trunk(x));
        let flat: Float32Array;
        try {
          flat = (await out.data()) as Float32Array;
        } finally {
          out.dispose();
        }
        for (const [k, i] of missing.entries()) {
          const row = flat.slice(k * rowSize, (k + 1) * rowSize);
          fresh.set(i, row);
          cache.add(source, i, row);
        }
      }
      const buf = new Float32Array(indices.length * rowSize);
      for (const [k, i] of indices.entries()) buf.set(cache.get(source, i) ?? fresh.get(i)!, k * rowSize);
      return tf.tensor(buf, [indices.length, ...shape]);
    },
    forward: (x) => net.head(x),
  };
}

/** Samples scored per forward pass when embedding the validation set. */
const VALIDATION_CHUNK = 64;

/**
 * Verification ROC AUC of a labelled set: every pair of its samples, scored by the squared L2 distance of their
 * L2-normalised embeddings, same identity = positive.
 */
async function validationAuc(feed: Feeder, data: TrainingData, cache: TrunkCache): Promise<number> {
  const labels = data.labels!;
  const parts: tf.Tensor2D[] = [];
  let dist: number[][];
  try {
    for (let s = 0; s < data.size; s += VALIDATION_CHUNK) {
      const indices = Array.from({ length: Math.min(VALIDATION_CHUNK, data.size - s) }, (_, k) => s + k);
      const x = await feed.input(data, cache, indices);
      try {
        parts.push(tf.tidy(() => l2NormalizeRows(feed.forward(x))));
      } finally {
        x.dispose();
      }
    }
    dist = tf.tidy(() => pairwiseSquaredDistances(tf.concat(parts) as tf.Tensor2D).arraySync());
  } finally {
    tf.dispose(parts);
  }
  const pairs: ScoredPair[] = [];
  for (let i = 0; i < data.size; i++) {
    for (let j = i + 1; j < data.size; j++) pairs.push({ distance: dist[i][j], same: labels[i] === labels[j] });
  }
  return auc(rocCurve(pairs));
}

/**
 * FaceNet's training: triplet loss on squared L2 distances of L2-normalised embeddings with margin α, triplets
 * chosen online inside each batch of P identities × K images (semi-hard or batch-hard), AdaGrad. Progress events,
 * AbortSignal, checkpoints and resume. With `validation` (held-out identities), every epoch is scored by its
 * verification ROC AUC, the best epoch's weights are kept (`restoreBest`) and `patience` stops early. With a frozen
 * trunk (`trainableFrom`), its outputs are computed once per image and cached, so the steps run only the head.
 * Backend-agnostic; gradients come from tfjs-core's registrations.
 *
 * @example
 * const { network, history, best } = await trainTriplet({
 *   model: 'openface', data, weights: h5Bytes, trainableFrom: 'dense_layer', epochs: 40,
 *   validation: heldOut, // other identities; best.epoch is the epoch whose weights `network` holds
 *   onProgress: (p) => console.log(p.step, p.loss, p.activeFraction, p.validationAuc),
 * });
 */
export async function trainTriplet(options: TripletTrainOptions): Promise<TripletTrainResult> {
  const { data, resume } = options;
  const name = resume ? resume.config.network : options.model;
  const entry = TRAINABLE_NETWORKS[name as TrainableNetworkName];
  if (!entry) throw new FaceKitError('E_CONFIG', `unknown network '${String(name)}' (openface, facenet, facenet512)`);
  if (resume && options.model && options.model !== name) {
    throw new FaceKitError('E_CONFIG', `the checkpoint trains '${name}', not '${options.model}'`);
  }
  if (!data?.labels || data.labels.length !== data.size) {
    throw new FaceKitError('E_INPUT', 'triplet training needs data.labels (one per sample)');
  }
  const groups = groupByIdentity(data.labels);
  const { validation } = options;
  if (validation) {
    if (!validation.labels || validation.labels.length !== validation.size) {
      throw new FaceKitError('E_INPUT', 'validation needs labels (one per sample)');
    }
    if (groupByIdentity(validation.labels).length < 2) {
      throw new FaceKitError('E_INPUT', 'validation needs ≥ 2 identities with ≥ 2 images each');
    }
  }
  const cacheBytes = options.trunkCacheBytes ?? 512 * 2 ** 20;
  if (!(cacheBytes >= 0)) throw new FaceKitError('E_CONFIG', `trunkCacheBytes must be ≥ 0, got ${cacheBytes}`);
  const state = resolveState(options, (p) => stepsPerEpoch(groups.length, { identities: p, perIdentity: 2 }));
  const perEpoch = state.totalSteps / state.epochs;
  const batching = { identities: state.identitiesPerBatch, perIdentity: state.imagesPerIdentity };

  const definition = entry.definition();
  const restored = resume ? decodeCheckpointTensors(resume, TRIPLET_CHECKPOINT_FORMAT, 'FaceNet triplet') : undefined;
  let network: TrainableNetwork | undefined;
  let bestWeights: tf.Tensor[] | undefined;
  const optimizer = tf.train.adagrad(state.learningRate);
  try {
    network = await TrainableNetwork.create(definition, {
      weights: restored ? undefined : options.weights,
      trainableFrom: state.trainableFrom,
      seed: state.seed,
    });
    if (restored) {
      network.assign(new Map([...restored].filter(([n]) => !n.endsWith('/accumulator') && !n.endsWith('/best'))));
      await restoreOptimizer(optimizer, state.step, network.trainable, restored, 'accumulator');
      if (state.restoreBest && state.best) {
        bestWeights = network.trainable.map(([n]) => {
          const t = restored.get(`${n}/best`);
          if (!t) throw new FaceKitError('E_WEIGHTS_FORMAT', `checkpoint lacks the best weights of ${n}`);
          return tf.clone(t);
        });
      }
    }
  } catch (e) {
    network?.dispose();
    optimizer.dispose();
    tf.dispose(bestWeights ?? []);
    throw e;
  } finally {
    if (restored) tf.dispose([...restored.values()]);
  }
  if (network.trainable.length === 0) {
    network.dispose();
    optimizer.dispose();
    throw new FaceKitError('E_CONFIG', 'nothing to train: no trainable weights');
  }
  const net = network;
  const vars = net.trainable.map(([, v]) => v);
  const feed = feeder(net, entry.preprocess, cacheBytes > 0);
  const cache = new TrunkCache(cacheBytes);

  const keepBest = (epoch: number, validationAuc: number) => {
    state.best = { epoch, validationAuc };
    if (!state.restoreBest) return;
    tf.dispose(bestWeights ?? []);
    bestWeights = vars.map((v) => tf.clone(v));
  };

  let sums = { loss: 0, active: 0, triplets: 0, steps: 0 };
  // What the step in flight measured beyond its loss, for its progress event.
  let last = { active: 0, triplets: 0 };
  try {
    await runTrainingLoop({
      format: TRIPLET_CHECKPOINT_FORMAT,
      config: { network: name },
      state,
      stepsPerEpoch: perEpoch,
      optimizer,
      slot: 'accumulator',
      trainable: net.trainable,
      weights: () => net.namedWeights(),
      extras: () => (bestWeights ? net.trainable.map(([n], k) => [`${n}/best`, bestWeights![k]]) : []),
      checkpoint: options.checkpoint,
      signal: options.signal,
      dispose: () => net.dispose(),
      async start() {
        if (validation && !state.best) {
          // The starting weights are a candidate too (epoch −1 for a fresh run).
          keepBest(Math.floor(state.step / perEpoch) - 1, await validationAuc(feed, validation, cache));
        }
      },
      async step({ epoch, index }) {
        const indices = identityBatch(groups, batching, state.seed, epoch, index);
        const labels = indices.map((i) => data.labels![i]);
        const x = await feed.input(data, cache, indices);
        let triplets = 0;
        const run = () =>
          tf.tidy(() => {
            let active: tf.Scalar | undefined;
            const { value, grads } = tf.variableGrads(() => {
              const emb = l2NormalizeRows(feed.forward(x));
              // Selection needs the current distances; it is an index choice, outside the gradient.
              const dist = tf.tidy(() => pairwiseSquaredDistances(emb));
              const chosen = selectTriplets(dist.dataSync(), labels, state.selection, state.margin);
              dist.dispose();
              triplets = chosen.anchors.length;
              if (triplets === 0) throw new FaceKitError('E_INPUT', 'a batch held no valid triplet');
              const r = tripletLoss(emb, chosen, state.margin);
              active = tf.keep(r.active);
              return r.loss;
            }, vars);
            optimizer.applyGradients(net.trainable.map(([, v]) => ({ name: v.name, tensor: grads[v.name] })));
            return [value, active!];
          });
        let lossT: tf.Tensor;
        let activeT: tf.Tensor;
        try {
          [lossT, activeT] = run();
        } finally {
          x.dispose();
        }
        const loss = (await lossT.data())[0];
        last = { active: (await activeT.data())[0], triplets };
        tf.dispose([lossT, activeT]);
        return loss;
      },
      async afterStep({ epoch, step, elapsedMs }, loss) {
        const { active, triplets } = last;
        sums = {
          loss: sums.loss + loss,
          active: sums.active + active,
          triplets: sums.triplets + triplets,
          steps: sums.steps + 1,
        };
        await options.onProgress?.({
          kind: 'step',
          epoch,
          step,
          totalSteps: state.totalSteps,
          loss,
          activeFraction: active / triplets,
          triplets,
          elapsedMs,
        });
      },
      async afterEpoch({ epoch, step, elapsedMs }) {
        const summary: TripletState['history'][number] = {
          epoch,
          loss: sums.loss / sums.steps,
          activeFraction: sums.active / sums.triplets,
        };
        if (validation) {
          summary.validationAuc = await validationAuc(feed, validation, cache);
          if (summary.validationAuc > state.best!.validationAuc) keepBest(epoch, summary.validationAuc);
          if (state.patience !== undefined && epoch - state.best!.epoch >= state.patience) state.stoppedEarly = true;
        }
        state.history.push(summary);
        const triplets = sums.triplets / sums.steps;
        sums = { loss: 0, active: 0, triplets: 0, steps: 0 };
        await options.onProgress?.({
          kind: 'epoch',
          step,
          totalSteps: state.totalSteps,
          ...summary,
          triplets,
          ...(state.best && { best: { ...state.best } }),
          elapsedMs,
        });
      },
    });
    if (bestWeights) for (const [k, v] of vars.entries()) v.assign(bestWeights[k]);
  } finally {
    tf.dispose(bestWeights ?? []);
  }
  return {
    network: net,
    history: state.history,
    steps: state.step,
    ...(state.best && { best: { ...state.best } }),
    restoredBest: state.restoreBest === true && state.best !== undefined,
    stoppedEarly: state.stoppedEarly === true,
  };
}
