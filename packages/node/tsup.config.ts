import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library: ESM + CJS with types. `shims` gives the CJS build an import.meta.url (createRequire needs it).
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    shims: true,
    target: 'es2022',
  },
  {
    // The CLI behind bin/facekit.mjs: ESM only, self-contained (dependencies stay external as usual).
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    sourcemap: true,
    clean: false,
    target: 'es2022',
  },
  {
    // Worker-thread entries (the embedding pool, the kNN graph, the benchmarks' face-api and analyse runs), loaded by file URL next to
    // the bundle that spawns them.
    entry: {
      'embed-worker': 'src/pool/embed-worker.ts',
      'knn-worker': 'src/pool/knn-worker.ts',
      'faceapi-worker': 'src/bench/faceapi-worker.ts',
      'analyze-worker': 'src/bench/analyze-worker.ts',
      'faceapi-analyze-worker': 'src/bench/faceapi-analyze-worker.ts',
      'analyze-quality-worker': 'src/bench/analyze-quality-worker.ts',
    },
    format: ['esm'],
    sourcemap: true,
    clean: false,
    target: 'es2022',
  },
]);
