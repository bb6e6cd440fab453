// Every test file runs on the backend named by FACEKIT_TEST_BACKEND (default wasm, what CI and most users get
// in Node; 'cpu' is the reference backend). `npm test` (so `.ci/run`) runs every suite on wasm and core's suites on
// cpu too: the `core-cpu` project of vitest.config.ts sets FACEKIT_TEST_BACKEND=cpu.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

const backend = process.env.FACEKIT_TEST_BACKEND ?? 'wasm';
if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' failed to initialise`);
await tf.ready();
