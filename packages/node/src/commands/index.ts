import { registerAnalyze } from './analyze.js';
import { registerBench } from './bench.js';
import { registerGalleryCommands } from './gallery.js';
import { registerGalleryScaleCommands } from './gallery-scale.js';
import type { RegisterCommands } from './shared.js';
import { registerSoak } from './soak.js';
import { registerTrainCommands } from './train.js';
import { registerWeightsCommands } from './weights.js';

/** The command modules beyond verify / represent / models, in the order `facekit --help` lists them. */
export const commandModules: RegisterCommands[] = [
  registerAnalyze,
  registerBench,
  registerGalleryCommands,
  registerGalleryScaleCommands,
  registerSoak,
  registerTrainCommands,
  registerWeightsCommands,
];
