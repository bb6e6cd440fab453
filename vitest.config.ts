import { readdirSync } from 'node:fs';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages through the '@facekit/source' export condition, i.e. straight from src/,
// so `npm test` needs no build. One project per package: `npx vitest run --project core`; `--project examples`.
const conditions = ['@facekit/source', ...defaultServerConditions];
const packages = readdirSync('packages', { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'models')
  .map((d) => d.name);

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['./test/setup-backend.ts'],
    projects: [
      ...packages.map((name) => ({
        extends: true,
        test: { name, include: [`packages/${name}/test/**/*.test.ts`] },
      })),
      // Core's suites again on tfjs' reference backend (test/setup-backend.ts reads FACEKIT_TEST_BACKEND), as tfjs runs
      // every suite on every backend: ~12 s of tests. Not cluster-lfw, the real dlib-resnet34 pipeline over 48 LFW
      // photos, which takes over 120 s on the cpu backend (it runs on wasm in the core project).
      {
        extends: true,
        test: {
          name: 'core-cpu',
          include: ['packages/core/test/**/*.test.ts'],
          exclude: ['packages/core/test/cluster-lfw.test.ts'],
          env: { FACEKIT_TEST_BACKEND: 'cpu' },
        },
      },
      // examples/*: smoke tests of the runnable examples (examples/test).
      { extends: true, test: { name: 'examples', include: ['examples/test/**/*.test.ts'] } },
    ],
  },
});
