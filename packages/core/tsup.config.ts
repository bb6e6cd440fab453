import { defineConfig } from 'tsup';

export default defineConfig({
  // app: the application surface the node and web roots re-export; it imports core by name (external), so it
  // stays a view of index.js / index.cjs rather than a second copy of core.
  entry: { index: 'src/index.ts', app: 'src/app.ts' },
  external: ['@facekit/core'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
