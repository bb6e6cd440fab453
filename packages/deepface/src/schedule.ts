import { FaceKitError } from '@facekit/core';

/**
 * Where training stands, for a learning-rate schedule.
 *
 * @example
 * const lr: LearningRateSchedule = (p: ScheduleProgress) => (p.step < 100 ? 0.001 : 0.01);
 */
export interface ScheduleProgress {
  /** Optimiser steps done so far (0-based index of the step about to run). */
  step: number;
  totalSteps: number;
  epoch: number;
}

/**
 * A learning rate: a constant, a decay from `from` to `to` over the run, or a function of the progress.
 * - `exponential` (default): geometric interpolation, `from · (to/from)^(step/(totalSteps-1))`.
 * - `linear`: straight line from `from` to `to`.
 * - `step`: `drops` equal steps down by the same factor (DeepFace's "divide by 10 when progress stalls", on a fixed
 *   timetable): with `drops: 1`, `from` for the first half and `to` for the second.
 * `warmupSteps` ramps the rate up linearly over the first steps (rate × (step+1)/warmupSteps), which keeps a
 * freshly initialised ReLU network from dying in its first large momentum steps.
 *
 * @example
 * const lr: LearningRateSchedule = { from: 0.01, to: 0.001, kind: 'step', drops: 3, warmupSteps: 100 };
 */
export type LearningRateSchedule =
  | number
  | { from: number; to: number; kind?: 'exponential' | 'linear' | 'step'; drops?: number; warmupSteps?: number }
  | ((p: ScheduleProgress) => number);

/**
 * The seed's recipe: 0.01 decreasing to 0.001 over the run.
 *
 * @example
 * await trainClassifier({ data, epochs: 10, learningRate: DEFAULT_SCHEDULE });
 */
export const DEFAULT_SCHEDULE: LearningRateSchedule = { from: 0.01, to: 0.001, kind: 'exponential' };

/**
 * The learning rate of a schedule at a point of the run; throws E_CONFIG for a non-positive or non-finite rate.
 *
 * @example
 * learningRateAt({ from: 0.01, to: 0.001, kind: 'step', drops: 1 }, { step: 60, totalSteps: 100, epoch: 3 }); // 0.001
 */
export function learningRateAt(schedule: LearningRateSchedule, p: ScheduleProgress): number {
  let lr: number;
  if (typeof schedule === 'number') lr = schedule;
  else if (typeof schedule === 'function') lr = schedule(p);
  else {
    const { from, to } = schedule;
    const t = p.totalSteps <= 1 ? 0 : Math.min(1, Math.max(0, p.step / (p.totalSteps - 1)));
    switch (schedule.kind ?? 'exponential') {
      case 'linear':
        lr = from + (to - from) * t;
        break;
      case 'step': {
        const drops = schedule.drops ?? 1;
        if (!Number.isInteger(drops) || drops < 1) {
          throw new FaceKitError('E_CONFIG', `learning-rate schedule: drops must be an integer ≥ 1, got ${drops}`);
        }
        const k = Math.min(drops, Math.floor((p.step / Math.max(1, p.totalSteps)) * (drops + 1)));
        lr = from * (to / from) ** (k / drops);
        break;
      }
      default:
        lr = from * (to / from) ** t;
    }
    const warm = schedule.warmupSteps ?? 0;
    if (warm > 0 && p.step < warm) lr *= (p.step + 1) / warm;
  }
  if (!Number.isFinite(lr) || lr <= 0) {
    throw new FaceKitError('E_CONFIG', `learning rate must be a finite number > 0, got ${lr} at step ${p.step}`);
  }
  return lr;
}
