import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { WEIGHTS_ENV } from '@facekit/core';

/**
 * Where downloaded weights live: `FACEKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/facekit`, else `~/.cache/facekit`.
 * `FACEKIT_HOME` (older releases: `$FACEKIT_HOME/weights`) is still honoured when set and no cache dir is.
 *
 * @example
 * weightsCacheDir({ XDG_CACHE_HOME: '/tmp/cache' }); // '/tmp/cache/facekit'
 */
export function weightsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[WEIGHTS_ENV.cacheDir];
  if (explicit) return resolve(explicit);
  if (env.FACEKIT_HOME) return resolve(env.FACEKIT_HOME, 'weights');
  return resolve(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'facekit');
}

/** True when `FACEKIT_OFFLINE` forbids downloads (any value but '', '0' or 'false'). */
export function isOffline(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env[WEIGHTS_ENV.offline]?.trim().toLowerCase();
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}
