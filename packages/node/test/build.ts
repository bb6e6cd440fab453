// Builds packages with turbo (cached when nothing changed) under a cross-process lock: several test files run in
// parallel forks, and two concurrent tsup runs would clean each other's dist/.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../../test/utils.js';

const run = promisify(execFile);
const lock = join(repoRoot, '.tmp', 'facekit-build.lock');

async function acquire(): Promise<void> {
  mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch {
      // A lock older than 10 minutes belongs to a run that died.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 600_000) rmSync(lock, { recursive: true, force: true });
      } catch {}
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const done = new Map<string, Promise<void>>();

/**
 * `turbo run build` for the given filter (default: @facekit/node and its dependencies; '*' = every package),
 * once per test file.
 */
export function buildPackages(filter = '@facekit/node...'): Promise<void> {
  let p = done.get(filter);
  if (!p) {
    p = build(filter);
    done.set(filter, p);
  }
  return p;
}

async function build(filter: string): Promise<void> {
  await acquire();
  try {
    const scope = filter === '*' ? [] : [`--filter=${filter}`];
    await run('npx', ['turbo', 'run', 'build', ...scope, '--output-logs=errors-only'], {
      cwd: repoRoot,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
      maxBuffer: 64 << 20,
    });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
