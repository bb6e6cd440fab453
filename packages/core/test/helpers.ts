import { FaceKitError } from '../src/index.js';

/** The FaceKitError code a call throws (undefined when it does not throw). */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof FaceKitError ? e.code : `not a FaceKitError: ${e}`;
  }
  return undefined;
}
