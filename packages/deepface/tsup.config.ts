import { defineConfig } from 'tsup';

export default defineConfig({
  // The runtime, and training (`@facekit/deepface/train`), which alone registers tfjs' gradients and the training kernels.
  entry: { index: 'src/index.ts', train: 'src/train.ts' },
  format: ['esm', 'cjs'],
  // Modules both entries use go into shared chunks, in CJS too: one copy of each class (FaceNetwork, DeepFaceModel).
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // See src/gradients.ts: tfjs-core's gradient registrations are not loadable by plain Node, so they are bundled.
  noExternal: [/register_all_gradients/],
});
