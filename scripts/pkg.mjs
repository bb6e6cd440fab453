// One-off generator kept for new packages: writes the package.json boilerplate all @facekit packages share.
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
const [, , dir, name, description] = process.argv;
const file = `${dir}/package.json`;
const prev = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
const pkg = {
  name,
  version: '0.1.0',
  description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.ts',
  exports: {
    '.': {
      '@facekit/source': './src/index.ts',
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  files: ['dist', 'README.md'],
  scripts: { build: 'tsup', typecheck: 'tsc --noEmit -p tsconfig.json' },
  ...prev,
};
writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
