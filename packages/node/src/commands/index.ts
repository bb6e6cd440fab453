import { registerBench } from './bench.js';
import type { RegisterCommands } from './shared.js';

/** The command modules beyond verify / represent / models, in the order `facekit --help` lists them. */
export const commandModules: RegisterCommands[] = [registerBench];
