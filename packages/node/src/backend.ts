import { createEnsureBackend, FaceKitError } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Which tfjs backend facekit runs on. `auto` keeps a backend your program already chose, else takes the fastest
 * available: `tensorflow` (the optional `@tensorflow/tfjs-node` peer), then `wasm` (SIMD, single-threaded in
 * Node), then `cpu` (pure JS).
 *
 * @example
 * const backend: BackendPreference = 'wasm';
 * await verify(a, b, { backend });
 */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** Module that registers each backend when imported. A variable, so bundlers leave the optional peer alone. */
const BACKEND_MODULES: Record<Exclude<BackendPreference, 'auto'>, string> = {
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/** Checks a backend name (from an option, the CLI or FACEKIT_BACKEND). 'node' / 'tfjs-node' mean 'tensorflow'. */
export function parseBackend(name: unknown, source = 'backend'): BackendPreference {
  const n = typeof name === 'string' ? name.trim().toLowerCase() : name;
  if (n === 'node' || n === 'tfjs-node') return 'tensorflow';
  if (typeof n === 'string' && (BACKENDS as readonly string[]).includes(n)) return n as BackendPreference;
  throw new FaceKitError('E_CONFIG', `${source} '${String(name)}' is not one of ${BACKENDS.join(', ')}`);
}

async function importBackend(name: Exclude<BackendPreference, 'auto'>): Promise<void> {
  const specifier = BACKEND_MODULES[name];
  await import(specifier);
}

/** Imports and activates one backend; throws E_BACKEND with the reason when that fails. */
async function activate(name: Exclude<BackendPreference, 'auto'>): Promise<void> {
  try {
    await importBackend(name);
    if (!(await tf.setBackend(name))) throw new Error('tf.setBackend returned false');
    await tf.ready();
  } catch (cause) {
    const missing = (cause as { code?: string })?.code === 'ERR_MODULE_NOT_FOUND';
    const why = missing ? `${BACKEND_MODULES[name]} is not installed` : String((cause as Error)?.message ?? cause);
    throw new FaceKitError('E_BACKEND', `tfjs backend '${name}' could not be initialised: ${why}`, { cause });
  }
}

// 'auto': a backend the program already chose, else the first of these that initialises.
const ensure = createEnsureBackend(['tensorflow', 'wasm', 'cpu'] as const, activate);

/**
 * Makes sure a tfjs backend is ready and returns its name. Lazy and done once: later calls with `auto` (or the same
 * explicit name) reuse the first result; an explicit different name switches (tensors move across lazily).
 * The preference comes from the argument, else the environment variable FACEKIT_BACKEND, else `auto`.
 *
 * @example
 * const name = await ensureBackend(); // 'tensorflow' with @tensorflow/tfjs-node installed, else 'wasm'
 * await ensureBackend('cpu'); // force the reference backend
 */
export async function ensureBackend(preference?: BackendPreference | string): Promise<string> {
  const env = process.env.FACEKIT_BACKEND;
  const requested =
    preference !== undefined
      ? parseBackend(preference)
      : env !== undefined && env !== ''
        ? parseBackend(env, 'FACEKIT_BACKEND')
        : 'auto';
  return ensure(requested);
}

/**
 * The name of the active tfjs backend, or undefined before facekit (or the application) initialised one.
 *
 * @example
 * await verify('a.jpg', 'b.jpg');
 * activeBackend(); // 'tensorflow', 'wasm' or 'cpu'
 */
export function activeBackend(): string | undefined {
  return tf.getBackend() ?? undefined;
}
