import * as tf from '@tensorflow/tfjs-core';
import { FaceKitError } from './errors.js';

/**
 * The platform-free part of a platform package's `ensureBackend`: given the platform's backends in `auto` order and
 * its `activate` (import, `tf.setBackend`, `tf.ready`; throws why it failed), returns a function that readies the
 * requested backend and resolves to the name of the one running.
 *
 * - `auto` keeps a backend the application already chose, else activates the first of `fallbacks` that works
 *   (E_BACKEND with every reason when none does).
 * - Done once: later calls with `auto` or the same name reuse the first initialisation; a different name waits for
 *   it, then switches. A failure is not cached, so the next call tries again.
 *
 * @example
 * const ensure = createEnsureBackend(['wasm', 'cpu'] as const, activate);
 * await ensure('auto'); // 'wasm', or 'cpu' when wasm fails to load
 * await ensure('cpu'); // switches
 */
export function createEnsureBackend<Name extends string>(
  fallbacks: readonly Name[],
  activate: (name: Name) => Promise<void>,
): (requested: Name | 'auto') => Promise<string> {
  async function initialise(requested: Name | 'auto'): Promise<string> {
    if (requested !== 'auto') {
      if (tf.getBackend() !== requested) await activate(requested as Name);
      return requested;
    }
    // Someone (the application, the page, a test harness) already chose a backend: respect it.
    const active = tf.getBackend();
    if (active) return active;
    const reasons: string[] = [];
    for (const name of fallbacks) {
      try {
        await activate(name);
        return name;
      } catch (e) {
        reasons.push((e as Error).message);
      }
    }
    throw new FaceKitError('E_BACKEND', `no usable tfjs backend: ${reasons.join('; ')}`);
  }

  let pending: { requested: Name | 'auto'; promise: Promise<string> } | undefined;
  return async (requested) => {
    if (pending && (requested === 'auto' || requested === pending.requested)) {
      await pending.promise;
      // The application may have switched backends behind our back since; report what actually runs.
      return tf.getBackend() ?? (await pending.promise);
    }
    if (pending) await pending.promise.catch(() => undefined); // let a first initialisation finish before switching
    const entry = { requested, promise: initialise(requested) };
    pending = entry;
    entry.promise.catch(() => {
      if (pending === entry) pending = undefined; // a failure is not cached: the next call tries again
    });
    return entry.promise;
  };
}
