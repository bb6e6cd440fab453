import { defineConfig } from 'tsup';

// ESM only: browsers and their bundlers load ES modules. Dependencies (tfjs, @facekit/*) stay external; the two
// backends are dynamic imports, so an app's bundler splits them into chunks loaded only when chosen.
export default defineConfig({
  entry: { index: 'src/index.ts', advanced: 'src/entries/advanced.ts' },
  format: ['esm'],
  platform: 'browser',
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
