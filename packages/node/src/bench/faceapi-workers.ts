import { existsSync } from 'node:fs';
import { FaceKitError } from '@facekit/core';

/**
 * The file URL of a face-api comparison worker. They are built for the bench into `bench-workers/` beside `dist/`
 * and not published (face-api is a devDependency of the repository, not a dependency of @facekit/node), so an
 * installed package has none: E_DEPENDENCY then says how to run the comparison.
 *
 * @example
 * new Piscina({ filename: faceApiWorker('faceapi-worker') });
 */
export function faceApiWorker(name: 'faceapi-worker' | 'faceapi-analyze-worker'): string {
  // From dist/cli.js the folder is ../bench-workers; from the sources (src/bench/) ../../bench-workers.
  for (const up of ['../', '../../']) {
    const url = new URL(`${up}bench-workers/${name}.js`, import.meta.url);
    if (existsSync(url)) return url.href;
  }
  throw new FaceKitError(
    'E_DEPENDENCY',
    'the face-api comparison runs only from a facekit checkout (its worker is built for the bench and not ' +
      'published): clone the repository, npm ci, then run the bench there; or pass --facekit-only',
  );
}
