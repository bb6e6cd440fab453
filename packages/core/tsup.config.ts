import { defineConfig } from 'tsup';

export default defineConfig({
  // The runtime, and the layers an application does not load unless it asks: `@facekit/core/eval` (protocol, LFW,
  // BCubed) and `@facekit/core/training` (checkpoints, data, the training loop, the filter-gradient kernel). app: the
  // application surface the node and web roots re-export; it imports core by name (external), so it stays a view of
  // index.js / index.cjs rather than a second copy of core.
  entry: { index: 'src/index.ts', app: 'src/app.ts', eval: 'src/eval/index.ts', training: 'src/training/index.ts' },
  external: ['@facekit/core'],
  format: ['esm', 'cjs'],
  // Shared modules (FaceKitError above all) go into chunks imported by every entry, in CJS too, so an error thrown
  // by one entry is `instanceof FaceKitError` of another: one copy of each class.
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
