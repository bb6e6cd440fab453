import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // See src/gradients.ts: tfjs-core's gradient registrations are not loadable by plain Node, so they are bundled.
  noExternal: [/register_all_gradients/],
});
