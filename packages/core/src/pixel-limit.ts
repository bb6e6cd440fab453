import { FaceKitError } from './errors.js';

/**
 * The default `maxPixels`: the largest image (width × height) the platform decoders accept, 50 MP. Any photo,
 * but not a decompression bomb.
 *
 * @example
 * await verify(a, b, { maxPixels: DEFAULT_MAX_PIXELS / 2 }); // refuse images over 25 MP
 */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/**
 * Checks a pixel limit option: a number ≥ 1 (Infinity turns the guard off); anything else is E_CONFIG.
 *
 * @example
 * const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
 * assertMaxPixels(maxPixels); // maxPixels: number from here on
 */
export function assertMaxPixels(maxPixels: unknown): asserts maxPixels is number {
  if (typeof maxPixels !== 'number' || Number.isNaN(maxPixels) || maxPixels < 1) {
    throw new FaceKitError('E_CONFIG', `maxPixels must be a number ≥ 1, got ${String(maxPixels)}`);
  }
}

/**
 * Names what kind of value an unsupported input is, for error messages: its class name, `null`, or its `typeof`.
 *
 * @example
 * describeInput(new Map()); // 'Map'
 * describeInput(null); // 'null'
 * describeInput(42); // 'number'
 */
export function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (typeof input === 'object') return (input as object).constructor?.name ?? 'object';
  return typeof input;
}
