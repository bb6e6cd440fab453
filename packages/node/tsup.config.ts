import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library: the application API at the root and its named subpaths, ESM + CJS with types. `splitting` gives
    // the CJS build shared chunks too, so every entry shares one module state (one cache of pipelines).
    // `shims` gives the CJS build an import.meta.url (createRequire needs it).
    entry: {
      index: 'src/index.ts',
      gallery: 'src/entries/gallery.ts',
      bench: 'src/entries/bench.ts',
      train: 'src/entries/train.ts',
      advanced: 'src/entries/advanced.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    shims: true,
    splitting: true,
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
    // Worker-thread entries (the embedding pool, the kNN graph, the benchmarks' analyse runs), loaded by file URL next
    // to the bundle that spawns them.
    entry: {
      'embed-worker': 'src/pool/embed-worker.ts',
      'knn-worker': 'src/pool/knn-worker.ts',
      'analyze-worker': 'src/bench/analyze-worker.ts',
      'analyze-quality-worker': 'src/bench/analyze-quality-worker.ts',
    },
    format: ['esm'],
    sourcemap: true,
    clean: false,
    target: 'es2022',
  },
  {
    // The face-api comparison of `facekit bench speed` / `bench analyze`: built for the bench into bench-workers/,
    // outside dist/ and so not published (face-api is a devDependency). A published bench says so (E_DEPENDENCY).
    entry: {
      'faceapi-worker': 'src/bench/faceapi-worker.ts',
      'faceapi-analyze-worker': 'src/bench/faceapi-analyze-worker.ts',
    },
    outDir: 'bench-workers',
    format: ['esm'],
    clean: true,
    target: 'es2022',
  },
]);
