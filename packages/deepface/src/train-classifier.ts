import * as tf from '@tensorflow/tfjs-core';
import './gradients.js';
import { FaceKitError } from '@facekit/core';
import {
  epochPermutation,
  positiveInteger,
  restoreOptimizer,
  runTrainingLoop,
  type TrainingData,
  type TrainingRunOptions,
} from '@facekit/core/training';
import { type DeepFaceConfig, deepFaceLayers, resolveConfig, type WeightedLayerName } from './architecture.js';
import { CHECKPOINT_FORMAT, type CheckpointState, decodeCheckpointTensors } from './checkpoint.js';
import { DeepFaceModel, type DeepFaceWeights, initLayer, uniqueVariablePrefix } from './model.js';
import { DEFAULT_SCHEDULE, type LearningRateSchedule, learningRateAt } from './schedule.js';

// The data interface, the in-memory dataset and the seeded epoch order are shared with FaceNet's trainer (core).
export { epochPermutation, type TrainingBatch, type TrainingData, tensorDataset } from '@facekit/core/training';

/**
 * A progress event of {@link trainClassifier}: after every step, and with epoch means after each epoch.
 *
 * @example
 * const onProgress = (p: TrainProgress) => {
 *   if (p.kind === 'epoch') console.log(`epoch ${p.epoch}: loss ${p.loss.toFixed(3)}, acc ${p.accuracy.toFixed(3)}`);
 * };
 */
export interface TrainProgress {
  /** 'step' after every optimiser step, 'epoch' after the last step of an epoch (with epoch means). */
  kind: 'step' | 'epoch';
  epoch: number;
  /** Steps done (1-based after the step). */
  step: number;
  totalSteps: number;
  learningRate: number;
  /** Mean cross-entropy of the last batch ('step') or of the epoch ('epoch'), dropout active. */
  loss: number;
  /** Fraction of the batch / epoch classified correctly (dropout active). */
  accuracy: number;
  elapsedMs: number;
}

/**
 * Options of {@link trainClassifier}. Defaults follow DeepFace's recipe: SGD with momentum 0.9, mini-batches of
 * 128, learning rate 0.01 decreasing to 0.001, dropout 0.5 on F7.
 *
 * @example
 * const options: TrainOptions = { data: tensorDataset(images, labels), config: { f7: 64 }, epochs: 5, batchSize: 32 };
 */
export interface TrainOptions extends TrainingRunOptions<TrainProgress, DeepFaceConfig, CheckpointState> {
  data: TrainingData;
  /** Network sizes (default: the published DeepFace); `classes` defaults to `data.classes`. */
  config?: Partial<DeepFaceConfig>;
  /** Start from these weights (e.g. imported Keras weights) instead of a random init; they are copied. */
  initialWeights?: DeepFaceWeights;
  /** Mini-batch size (default 128); the last batch of an epoch may be smaller. */
  batchSize?: number;
  learningRate?: LearningRateSchedule;
  /** Momentum (default 0.9). */
  momentum?: number;
  // epochs, seed (init, per-epoch shuffles, dropout masks), onProgress, checkpoint, resume (same data and options),
  // signal: TrainingRunOptions.
}

/**
 * What {@link trainClassifier} returns: the trained model, per-epoch history and the number of steps run.
 *
 * @example
 * const { model, history, steps }: TrainResult = await trainClassifier({ data, epochs: 2 });
 * console.log(steps, history.at(-1)?.accuracy);
 * model.dispose();
 */
export interface TrainResult {
  /** The trained network (weights are variables); the caller disposes it. */
  model: DeepFaceModel;
  /** Per-epoch mean training loss and accuracy (dropout active), resumed epochs included. */
  history: CheckpointState['history'];
  steps: number;
}

/**
 * Images 0..255 at any size → [n, h, w, 3] float32 in [0, 1] at the network's input size, as deepface feeds it.
 *
 * @example
 * const x = preprocess(batch.images, DEEPFACE_CONFIG.inputSize); // [n, 152, 152, 3] in [0, 1]
 */
export function preprocess(images: tf.Tensor4D, inputSize: [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    let x = tf.cast(images, 'float32') as tf.Tensor4D;
    if (x.shape[1] !== inputSize[0] || x.shape[2] !== inputSize[1]) x = tf.image.resizeBilinear(x, inputSize, true);
    return tf.div(x, 255);
  });
}

const WEIGHTED: WeightedLayerName[] = ['C1', 'C3', 'L4', 'L5', 'L6', 'F7', 'F8'];

/** Fresh trainable variables from a checkpoint, initial weights or a random init. */
function trainableModel(config: DeepFaceConfig, seed: number, from?: Map<string, tf.Tensor> | DeepFaceWeights) {
  if (!from) return DeepFaceModel.random(config, seed);
  const prefix = uniqueVariablePrefix();
  const weights: DeepFaceWeights = {};
  for (const name of WEIGHTED) {
    const k = from instanceof Map ? from.get(`${name}/kernel`) : from[name]?.kernel;
    const b = from instanceof Map ? from.get(`${name}/bias`) : from[name]?.bias;
    if (!k || !b) {
      if (name === 'F8' && !(from instanceof Map)) {
        // Fine-tuning a representation-only model: a fresh F8 for the new identities.
        weights.F8 = initLayer(deepFaceLayers(config).find((l) => l.name === 'F8')!, seed, prefix);
        continue;
      }
      throw new FaceKitError('E_WEIGHTS_FORMAT', `initial weights lack layer ${name}`);
    }
    weights[name] = {
      kernel: tf.variable(k, true, `${prefix}/${name}/kernel`),
      bias: tf.variable(b, true, `${prefix}/${name}/bias`),
    };
  }
  return new DeepFaceModel(config, weights);
}

/**
 * Trains DeepFace as an identity classifier: softmax cross-entropy on F8, SGD with momentum, dropout on F7,
 * a learning-rate schedule, progress events, checkpoints and resume. Backend-agnostic (the caller picks the tfjs
 * backend); with the full network and batch 128, the LocallyConnected patches alone need ~2 GB per step, more than
 * the wasm backend's heap allows, so full-size training wants tfjs-node or WebGPU.
 *
 * @example
 * const { model, history } = await trainClassifier({
 *   data, epochs: 20, batchSize: 128,
 *   learningRate: { from: 0.01, to: 0.001 },
 *   onProgress: (p) => console.log(p.step, p.loss),
 *   checkpoint: { write: (c) => saveSomewhere(c), every: 500 },
 * });
 */
export async function trainClassifier(options: TrainOptions): Promise<TrainResult> {
  const { data } = options;
  const resume = options.resume;
  positiveInteger(data?.size, 'training data size');
  positiveInteger(data.classes, 'number of classes');
  if (options.config?.classes !== undefined && options.config.classes !== data.classes) {
    throw new FaceKitError('E_CONFIG', `config.classes (${options.config.classes}) ≠ data.classes (${data.classes})`);
  }
  const config = resolveConfig(resume ? resume.config : { ...options.config, classes: data.classes });
  if (config.classes !== data.classes) {
    throw new FaceKitError('E_CONFIG', `checkpoint has ${config.classes} classes, the data ${data.classes}`);
  }
  const batchSize = positiveInteger(options.batchSize ?? resume?.state.batchSize ?? 128, 'batchSize');
  const epochs = positiveInteger(options.epochs ?? resume?.state.epochs ?? 10, 'epochs');
  const seed = options.seed ?? resume?.state.seed ?? 1;
  const momentum = options.momentum ?? 0.9;
  if (!(momentum >= 0 && momentum < 1))
    throw new FaceKitError('E_CONFIG', `momentum must be in [0, 1), got ${momentum}`);
  const schedule = options.learningRate ?? DEFAULT_SCHEDULE;
  const stepsPerEpoch = Math.ceil(data.size / batchSize);
  const totalSteps = epochs * stepsPerEpoch;

  const restored = resume ? decodeCheckpointTensors(resume) : undefined;
  let model: DeepFaceModel;
  try {
    model = trainableModel(config, seed, restored ?? options.initialWeights);
  } catch (e) {
    if (restored) tf.dispose([...restored.values()]);
    throw e;
  }
  const vars = model.namedWeights() as Array<[string, tf.Variable]>;
  const optimizer = tf.train.momentum(learningRateAt(schedule, { step: 0, totalSteps, epoch: 0 }), momentum);
  const history: CheckpointState['history'] = resume ? structuredClone(resume.state.history) : [];
  const state: CheckpointState = { step: resume?.state.step ?? 0, totalSteps, epochs, batchSize, seed, history };
  try {
    if (restored) await restoreOptimizer(optimizer, state.step, vars, restored, 'momentum');
  } catch (e) {
    optimizer.dispose();
    model.dispose();
    throw e;
  } finally {
    if (restored) tf.dispose([...restored.values()]);
  }

  // A resumed run restarts the epoch sums of a half-done epoch; it keeps the order of the remaining batches.
  let epochLoss = 0;
  let epochCorrect = 0;
  let epochSeen = 0;
  // What the step in flight measured beyond its loss, for its progress event.
  let last = { learningRate: 0, correct: 0, seen: 0 };
  await runTrainingLoop({
    format: CHECKPOINT_FORMAT,
    config: { ...config },
    state,
    stepsPerEpoch,
    optimizer,
    slot: 'momentum',
    trainable: vars,
    weights: () => vars.map(([n, v]): [string, tf.Tensor] => [n, v]),
    checkpoint: options.checkpoint,
    signal: options.signal,
    dispose: () => model.dispose(),
    async step({ epoch, index, step }) {
      const indices = epochPermutation(data.size, seed, epoch).slice(index * batchSize, (index + 1) * batchSize);
      const batch = await data.load(indices);
      const learningRate = learningRateAt(schedule, { step, totalSteps, epoch });
      optimizer.setLearningRate(learningRate);
      const labels = Int32Array.from(batch.labels);
      if (labels.length !== indices.length || labels.some((l) => l < 0 || l >= data.classes)) {
        batch.images.dispose();
        throw new FaceKitError('E_INPUT', `batch labels must be ${indices.length} integers in [0, ${data.classes})`);
      }
      const [lossT, correctT] = tf.tidy(() => {
        const x = preprocess(batch.images, config.inputSize);
        const y = tf.tensor1d(labels, 'int32');
        const onehot = tf.oneHot(y, config.classes);
        let logits: tf.Tensor2D | undefined;
        const { value, grads } = tf.variableGrads(
          () => {
            logits = tf.keep(
              model.forward(x, { outputs: ['F8'], training: true, seed: seed * 100_003 + step }).F8 as tf.Tensor2D,
            );
            return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
          },
          vars.map(([, v]) => v),
        );
        // In the variables' order: the optimiser keys its momentum slots by position.
        optimizer.applyGradients(vars.map(([, v]) => ({ name: v.name, tensor: grads[v.name] })));
        const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits!, 1), y), 'float32'));
        logits!.dispose(); // kept out of the gradient scope above
        return [value, correct];
      });
      batch.images.dispose();
      const [loss, correct] = [(await lossT.data())[0], (await correctT.data())[0]];
      tf.dispose([lossT, correctT]);
      last = { learningRate, correct, seen: labels.length };
      return loss;
    },
    async afterStep({ epoch, step, elapsedMs }, loss) {
      const { learningRate, correct, seen } = last;
      epochLoss += loss * seen;
      epochCorrect += correct;
      epochSeen += seen;
      await options.onProgress?.({
        kind: 'step',
        epoch,
        step,
        totalSteps,
        learningRate,
        loss,
        accuracy: correct / seen,
        elapsedMs,
      });
    },
    async afterEpoch({ epoch, step, elapsedMs }) {
      const summary = { epoch, loss: epochLoss / epochSeen, accuracy: epochCorrect / epochSeen };
      history.push(summary);
      [epochLoss, epochCorrect, epochSeen] = [0, 0, 0];
      await options.onProgress?.({
        kind: 'epoch',
        step,
        totalSteps,
        learningRate: last.learningRate,
        elapsedMs,
        ...summary,
      });
    },
  });
  return { model, history, steps: state.step };
}

/**
 * Mean cross-entropy and accuracy of a classifier on data (no dropout).
 *
 * @example
 * const { accuracy } = await evaluateClassifier(model, data);
 */
export async function evaluateClassifier(
  model: DeepFaceModel,
  data: TrainingData,
  batchSize = 64,
): Promise<{ loss: number; accuracy: number }> {
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < data.size; i += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, data.size - i) }, (_, k) => i + k);
    const batch = await data.load(indices);
    const labels = Int32Array.from(batch.labels);
    const [l, c] = tf.tidy(() => {
      const logits = model.forward(preprocess(batch.images, model.config.inputSize), { outputs: ['F8'] })
        .F8 as tf.Tensor2D;
      const y = tf.tensor1d(labels, 'int32');
      const ce = tf.losses.softmaxCrossEntropy(
        tf.oneHot(y, model.config.classes),
        logits,
        undefined,
        undefined,
        tf.Reduction.SUM,
      );
      return [ce, tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32'))];
    });
    batch.images.dispose();
    loss += (await l.data())[0];
    correct += (await c.data())[0];
    tf.dispose([l, c]);
  }
  return { loss: loss / data.size, accuracy: correct / data.size };
}
