// The library is the runtime: importing it loads no training code, so tfjs' gradients and facekit's training kernels
// stay unregistered until a training entry (`@facekit/facenet/train`, `@facekit/deepface/train`) is imported.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../src/index.js';

describe('layers', () => {
  it('a library import registers no gradient and no training kernel; a training entry registers them', async () => {
    expect(tf.getGradient('Conv2D')).toBeUndefined();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(tf.getKernel('FaceKitConv2DFilterGradient', 'cpu')).toBeUndefined();
    await import('@facekit/deepface/train');
    expect(tf.getGradient('Conv2D')).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('FaceKitConv2DFilterGradient', 'cpu')).toBeDefined();
  });
});
