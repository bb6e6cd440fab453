import * as tf from '@tensorflow/tfjs-core';
import { FaceKitError, throwIfAborted } from '../errors.js';
import { snapshotTensors, type TrainingCheckpoint, type TrainingCheckpointWriter } from './checkpoint.js';

/**
 * An integer ≥ 1, or E_CONFIG naming the option: the trainers' check of counts (epochs, batch sizes, `every`).
 *
 * @example
 * const epochs = positiveInteger(options.epochs ?? 10, 'epochs');
 */
export function positiveInteger(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new FaceKitError('E_CONFIG', `${what} must be an integer ≥ 1, got ${v}`);
  return v;
}

/**
 * The options every trainer of the loop takes, as a trainer's options declare them (with its progress event and
 * checkpoint config / state): run length, seed, progress, checkpoints, resume and cancellation.
 *
 * @example
 * interface MyTrainOptions extends TrainingRunOptions<MyProgress, MyConfig, MyState> { data: TrainingData }
 */
export interface TrainingRunOptions<Progress, Config, State> {
  /** Passes over the data (default 10). */
  epochs?: number;
  /** Seed of the init and of every random draw of the run (default 1). */
  seed?: number;
  onProgress?: (p: Progress) => void | Promise<void>;
  /**
   * Save a checkpoint every `every` steps (default: after each epoch) and at the end, through `write` (which gets a
   * snapshot: JSON fields plus the data streamed tensor by tensor).
   */
  checkpoint?: { write: TrainingCheckpointWriter<Config, State>; every?: number };
  /** Continue a run from a checkpoint (same data; `epochs` may be raised). Its weights replace the starting ones. */
  resume?: TrainingCheckpoint<Config, State>;
  signal?: AbortSignal;
}

/**
 * The part of a trainer's checkpoint state the loop reads and advances.
 *
 * @example
 * const state: TrainingLoopState = { step: 0, totalSteps: 100 };
 */
export interface TrainingLoopState {
  /** Optimiser steps done; the loop increments it. */
  step: number;
  totalSteps: number;
  /** Set by a trainer (e.g. early stopping) to end the run after the current step; a resumed run stays stopped. */
  stoppedEarly?: boolean;
}

/**
 * Where a step or an event of the loop is: `epoch` (0-based), `step` (steps done, 1-based after a step) and the time
 * since the loop started.
 *
 * @example
 * const afterStep = async ({ epoch, step, elapsedMs }: TrainingLoopEvent, loss: number) => console.log(epoch, step);
 */
export interface TrainingLoopEvent {
  epoch: number;
  step: number;
  elapsedMs: number;
}

/**
 * What a trainer plugs into {@link runTrainingLoop}: its step function and hooks, its optimiser and variables, and
 * what its checkpoints hold. The loop owns the rest: resume position, checkpoint cadence and writing (weights, the
 * optimiser's slots, extras), abort, divergence, timing, and disposing the optimiser (and, on failure, the model).
 *
 * @example
 * await runTrainingLoop({
 *   format: 'my-trainer@1', config, state, stepsPerEpoch: 10, optimizer, slot: 'momentum', trainable: vars,
 *   weights: () => vars, step: async ({ epoch, index }) => lossOfBatch(epoch, index),
 *   dispose: () => model.dispose(),
 * });
 */
export interface TrainingLoopSpec<Config, State extends TrainingLoopState> {
  /** The checkpoint `format`. */
  format: string;
  /** The checkpoint `config` (JSON). */
  config: Config;
  /** The checkpoint `state` (JSON), read at every checkpoint; the loop advances `state.step`. */
  state: State;
  stepsPerEpoch: number;
  optimizer: tf.Optimizer;
  /** The optimiser's slot per variable, as tfjs names it (`accumulator` for AdaGrad, `momentum` for momentum SGD). */
  slot: string;
  /** The trained variables by checkpoint name, in the order the optimiser gets their gradients. */
  trainable: Array<[string, tf.Variable]>;
  /** Every weight a checkpoint stores (frozen ones included), by checkpoint name; stored before the slots. */
  weights(): Array<[string, tf.Tensor]>;
  /** More tensors a checkpoint stores after the slots (e.g. the best epoch's weights). */
  extras?(): Array<[string, tf.Tensor]>;
  /** Save a checkpoint every `every` steps (default: after each epoch), after the last step and on early stopping. */
  checkpoint?: { write: TrainingCheckpointWriter<Config, State>; every?: number };
  signal?: AbortSignal;
  /** Runs inside the loop's guard before the first step (e.g. scoring the starting weights). */
  start?(): Promise<void>;
  /** One optimiser step on batch `index` of `epoch` (`step`: steps done before it); returns the batch loss. */
  step(at: { epoch: number; index: number; step: number }): Promise<number>;
  /** After every step whose loss is finite: the trainer's per-step bookkeeping and progress event. */
  afterStep?(at: TrainingLoopEvent, loss: number): Promise<void> | void;
  /** After the last step of an epoch, before its checkpoint: epoch means, validation, early stopping. */
  afterEpoch?(at: TrainingLoopEvent): Promise<void> | void;
  /** What the run owns besides the optimiser (the model), disposed when it fails. */
  dispose(): void;
}

/**
 * Restores an optimiser's step count and per-variable slots from a checkpoint's tensors (`<name>/<slot>`); tfjs
 * optimisers key their slots by position, so they are set in `trainable`'s order. The caller keeps the tensors.
 *
 * @example
 * await restoreOptimizer(optimizer, state.step, trainable, restored, 'accumulator');
 */
export async function restoreOptimizer(
  optimizer: tf.Optimizer,
  step: number,
  trainable: Array<[string, tf.Variable]>,
  restored: Map<string, tf.Tensor>,
  slot: string,
): Promise<void> {
  const slots = trainable.map(([name, v]) => {
    const t = restored.get(`${name}/${slot}`);
    if (!t) throw new FaceKitError('E_WEIGHTS_FORMAT', `checkpoint lacks the ${slot} of ${name}`);
    return { name: `${v.name}/${slot}`, tensor: t };
  });
  const iter = tf.scalar(step); // read, not taken over, by setWeights
  try {
    await optimizer.setWeights([{ name: 'iter', tensor: iter }, ...slots]);
  } finally {
    iter.dispose();
  }
}

/** Optimizer.dispose (tfjs-core 4.22) forgets SGD's (and momentum's) learning-rate scalar `c`; free it too. */
function disposeOptimizer(o: tf.Optimizer): void {
  o.dispose();
  const c = (o as unknown as { c?: tf.Tensor }).c;
  if (c && !c.isDisposed) c.dispose();
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * The one training loop of facekit (FaceNet's triplet training and DeepFace's classifier plug into it with their
 * step function): from `state.step` (a resumed run continues where its checkpoint was) to `state.totalSteps` or early
 * stopping, checking the AbortSignal before each step, failing with E_CONFIG when a loss is not finite (diverged),
 * and writing checkpoints every `checkpoint.every` steps and at the end. The optimiser is disposed when the loop
 * ends; when it fails, `dispose()` frees the model too.
 *
 * @example
 * await runTrainingLoop({ format, config, state, stepsPerEpoch, optimizer, slot: 'accumulator', trainable,
 *   weights: () => net.namedWeights(), step: (at) => tripletStep(at), dispose: () => net.dispose() });
 */
export async function runTrainingLoop<Config, State extends TrainingLoopState>(
  spec: TrainingLoopSpec<Config, State>,
): Promise<void> {
  const { state, stepsPerEpoch, optimizer, checkpoint } = spec;
  const t0 = now();
  const save = async () => {
    if (!checkpoint) return;
    const slots = await optimizer.getWeights();
    const byVar = new Map(slots.map((s) => [s.name, s.tensor]));
    const tensors = spec.weights();
    for (const [name, v] of spec.trainable) {
      const t = byVar.get(`${v.name}/${spec.slot}`);
      if (t) tensors.push([`${name}/${spec.slot}`, t]);
    }
    tensors.push(...(spec.extras?.() ?? []));
    try {
      await checkpoint.write(snapshotTensors(spec.format, spec.config, state, tensors));
    } finally {
      tf.dispose(slots.filter((s) => s.name === 'iter').map((s) => s.tensor));
    }
  };
  try {
    const every = positiveInteger(checkpoint?.every ?? stepsPerEpoch, 'checkpoint.every');
    await spec.start?.();
    while (state.step < state.totalSteps && !state.stoppedEarly) {
      throwIfAborted(spec.signal);
      const epoch = Math.floor(state.step / stepsPerEpoch);
      const loss = await spec.step({ epoch, index: state.step % stepsPerEpoch, step: state.step });
      if (!Number.isFinite(loss)) {
        throw new FaceKitError(
          'E_CONFIG',
          `training diverged at step ${state.step + 1} (loss ${loss}); lower the learning rate`,
          { details: { step: state.step + 1, loss } },
        );
      }
      state.step += 1;
      await spec.afterStep?.({ epoch, step: state.step, elapsedMs: now() - t0 }, loss);
      if (state.step % stepsPerEpoch === 0) await spec.afterEpoch?.({ epoch, step: state.step, elapsedMs: now() - t0 });
      if (state.step % every === 0 || state.step === state.totalSteps || state.stoppedEarly) await save();
    }
  } catch (e) {
    disposeOptimizer(optimizer);
    spec.dispose();
    throw e;
  }
  disposeOptimizer(optimizer);
}
