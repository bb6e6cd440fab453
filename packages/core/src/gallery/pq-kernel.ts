import { FaceKitError } from '../errors.js';
import { PQ_SCAN_WASM_BASE64 } from './pq-scan-wasm.js';

/** The part of the WebAssembly API used here (core builds without DOM typings; every runtime it targets has it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

/**
 * A WebAssembly memory: its buffer is replaced (the old one detached) each time it grows.
 *
 * @example
 * kernel.memory.grow(16); // 1 MiB more; views on the old buffer are now empty
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * The exports of the fast-scan kernel (pq-scan.wat): its memory, the scan of a code region into u16 scores, and
 * the selection of the rows whose score reaches a threshold. Addresses are byte offsets into `memory`.
 *
 * @example
 * const k = scanKernel();
 * k.scan(codesAt, nBlocks, m, lutAt, scoresAt); // 32 u16 scores per block
 */
export interface ScanKernel {
  memory: WasmMemory;
  /** Scores nBlocks blocks of 32 vectors (m even, ≤ 256 sub-quantisers) into 32 u16 per block at `out`. */
  scan(codes: number, nBlocks: number, m: number, lut: number, out: number): void;
  /** Writes the rows (u32) of the n u16 scores (n a multiple of 8) ≥ threshold to idx, at most cap; returns their count. */
  above(scores: number, n: number, threshold: number, idx: number, cap: number): number;
}

let compiled: object | undefined;
let compileError: unknown;

/** The compiled kernel module (compiled once per process), or undefined when this runtime cannot compile it. */
function kernelModule(): object | undefined {
  if (compiled === undefined && compileError === undefined) {
    try {
      compiled = new WebAssembly.Module(Uint8Array.from(atob(PQ_SCAN_WASM_BASE64), (c) => c.charCodeAt(0)));
    } catch (e) {
      compileError = e ?? new Error('WebAssembly compile failed');
    }
  }
  return compiled;
}

/**
 * Whether this runtime runs the scan kernel (WebAssembly with SIMD: Node ≥ 16, Chrome 91, Firefox 89, Safari 16.4).
 * Galleries fall back to exact search where it does not.
 *
 * @example
 * const ann = pqScanSupported() ? pqIndexFactory() : false;
 */
export function pqScanSupported(): boolean {
  return kernelModule() !== undefined;
}

/**
 * A fresh instance of the scan kernel, with a memory of its own; the module is compiled once per process.
 *
 * @example
 * const { memory, scan, above } = scanKernel();
 */
export function scanKernel(): ScanKernel {
  const module = kernelModule();
  if (module === undefined) {
    throw new FaceKitError('E_BACKEND', 'the PQ index needs WebAssembly with SIMD (Node ≥ 16, current browsers)', {
      cause: compileError,
    });
  }
  return new WebAssembly.Instance(module, {}).exports as unknown as ScanKernel;
}
