#!/usr/bin/env node
// Long fuzzing run: the suite's fuzz properties (packages/node/test/fuzz.test.ts) with many more cases and a fresh
// random seed each time. `npm run fuzz` (×25: 45,000 decoder cases, 2,000 API calls); `npm run fuzz -- 100` for more.
import { spawnSync } from 'node:child_process';

const scale = process.argv[2] ?? '25';
if (!(Number(scale) > 0)) {
  console.error(`fuzz: the scale must be a positive number, got '${scale}'`);
  process.exit(2);
}
const r = spawnSync('npx', ['vitest', 'run', 'packages/node/test/fuzz.test.ts', '--testTimeout', '0'], {
  stdio: 'inherit',
  shell: process.platform === 'win32',
  env: { ...process.env, FACEKIT_FUZZ_SCALE: scale },
});
process.exit(r.status ?? 1);
