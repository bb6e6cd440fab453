import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FaceKitError } from '@facekit/core';

/**
 * A worker entry built beside the bundle that holds this module (dist/<name>.js), as a file URL; undefined when this
 * module runs from its TypeScript source (tests), where no built worker exists and the caller works in its own
 * thread. `explicit` (a path or URL) wins.
 *
 * @example
 * const file = builtWorkerFile('knn-worker', 'the kNN graph', options.worker);
 */
export function builtWorkerFile(name: string, what: string, explicit?: string | URL): string | undefined {
  if (explicit !== undefined) return new URL(explicit, import.meta.url).href;
  if (/\.ts$/.test(new URL(import.meta.url).pathname)) return undefined;
  const url = new URL(`./${name}.js`, import.meta.url);
  if (url.protocol !== 'file:' || !existsSync(fileURLToPath(url))) {
    throw new FaceKitError('E_DEPENDENCY', `${what} worker file ${url.href} is missing (a broken install?)`);
  }
  return url.href;
}

/**
 * The parent's Node flags for the workers, less the '@facekit/source' export condition: a built worker loads the
 * built packages, also when the parent runs from the TypeScript sources (tests), where that condition is set.
 *
 * @example
 * new Worker(file, { execArgv: builtExecArgv(process.execArgv) });
 */
export function builtExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if ((argv[i] === '--conditions' || argv[i] === '-C') && argv[i + 1] === '@facekit/source') i++;
    else if (argv[i] !== '--conditions=@facekit/source') out.push(argv[i]);
  }
  return out;
}
