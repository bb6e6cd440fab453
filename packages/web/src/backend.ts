import { createEnsureBackend, FaceKitError } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { env } from './env.js';

/**
 * Which tfjs backend facekit runs on in the browser. `auto` keeps a backend your page already chose, else takes
 * `wasm` (SIMD; multi-threaded when the page is cross-origin isolated), then `webgl`.
 *
 * @example
 * const preference: BackendPreference = 'webgl';
 * await verify(imgA, imgB, { backend: preference });
 */
export type BackendPreference = 'auto' | 'wasm' | 'webgl';
export const BACKENDS: readonly BackendPreference[] = ['auto', 'wasm', 'webgl'];

/**
 * What runs the models, for logs and the demo: the backend and, for wasm, whether SIMD and threads are on.
 *
 * @example
 * const { name, simd, threads }: BackendInfo = await backendInfo(); // 'wasm', true, 4
 */
export interface BackendInfo {
  name: string;
  simd?: boolean;
  /** Worker threads the wasm backend uses (1 = single-threaded). */
  threads?: number;
  crossOriginIsolated: boolean;
}

export function parseBackend(name: unknown, source = 'backend'): BackendPreference {
  const n = typeof name === 'string' ? name.trim().toLowerCase() : name;
  if (typeof n === 'string' && (BACKENDS as readonly string[]).includes(n)) return n as BackendPreference;
  throw new FaceKitError('E_CONFIG', `${source} '${String(name)}' is not one of ${BACKENDS.join(', ')}`);
}

/** Literal specifiers, so bundlers split each backend into its own chunk and load only the one used. */
async function importBackend(name: 'wasm' | 'webgl'): Promise<void> {
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // Must happen before the backend initialises; tfjs' default looks next to the script, which bundlers break.
    wasm.setWasmPaths(env.wasmPaths);
    if (env.wasmThreads !== undefined) {
      if (!Number.isInteger(env.wasmThreads) || env.wasmThreads < 1) {
        throw new FaceKitError('E_CONFIG', `env.wasmThreads must be an integer ≥ 1, got ${env.wasmThreads}`);
      }
      wasm.setThreadsCount(env.wasmThreads);
    }
  } else {
    await import('@tensorflow/tfjs-backend-webgl');
  }
}

async function activate(name: 'wasm' | 'webgl'): Promise<void> {
  try {
    await importBackend(name);
    if (!(await tf.setBackend(name))) throw new Error('tf.setBackend returned false');
    await tf.ready();
  } catch (cause) {
    if (cause instanceof FaceKitError) throw cause;
    throw new FaceKitError(
      'E_BACKEND',
      `tfjs backend '${name}' could not be initialised: ${String((cause as Error)?.message ?? cause)}`,
      { cause },
    );
  }
}

// 'auto': a backend the page already chose, else the first of these that initialises.
const ensure = createEnsureBackend(['wasm', 'webgl'] as const, activate);

/**
 * Makes sure a tfjs backend is ready and returns its name; done once, lazily. An explicit different name switches.
 *
 * @example
 * await ensureBackend(); // 'wasm'
 * await ensureBackend('webgl');
 */
export async function ensureBackend(preference: BackendPreference | string = 'auto'): Promise<string> {
  const requested = parseBackend(preference);
  return ensure(requested);
}

/**
 * The active backend and, for wasm, SIMD and thread count. Threads need a cross-origin isolated page
 * (COOP `same-origin` + COEP `require-corp`), which is what makes SharedArrayBuffer available.
 *
 * @example
 * await backendInfo(); // { name: 'wasm', simd: true, threads: 4, crossOriginIsolated: true }
 */
export async function backendInfo(): Promise<BackendInfo> {
  const name = tf.getBackend() ?? 'none';
  const info: BackendInfo = { name, crossOriginIsolated: globalThis.crossOriginIsolated === true };
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    info.simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
    const multi = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
    info.threads = multi ? wasm.getThreadsCount() : 1;
  }
  return info;
}

/**
 * The name of the active tfjs backend, or undefined before one was initialised.
 *
 * @example
 * if (activeBackend() === undefined) await ensureBackend();
 */
export function activeBackend(): string | undefined {
  return tf.getBackend() ?? undefined;
}
