// Every test file runs on the backend named by FACEKIT_TEST_BACKEND (default wasm, what CI and most users get
// in Node; 'cpu' is the reference backend). `.ci/run` runs the backend-agnostic suites on both.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

const backend = process.env.FACEKIT_TEST_BACKEND ?? 'wasm';
if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' failed to initialise`);
await tf.ready();
