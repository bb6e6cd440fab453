/**
 * The one error type facekit throws. `code` is stable and documented (docs/errors.md); `message` is for people.
 *
 * @example
 * try { await verify(a, b); } catch (e) { if (e instanceof FaceKitError && e.code === 'E_NO_FACE') ... }
 */
export type FaceKitErrorCode =
  | 'E_INPUT' // an argument of the wrong type, shape, dtype or value (NaN/Inf in a tensor)
  | 'E_IO' // a file could not be read
  | 'E_DECODE' // bytes that are not a decodable image (empty, truncated, unknown format)
  | 'E_IMAGE_TOO_LARGE' // more pixels than the configured limit (decompression-bomb guard)
  | 'E_NO_FACE' // detection found no face and enforceDetection is on
  | 'E_UNKNOWN_MODEL' // a detector / embedder / aligner name that is not registered
  | 'E_CONFIG' // an option value that is out of range or contradicts another
  | 'E_EMBEDDING_MISMATCH' // embeddings of different embedders or dimensions compared
  | 'E_WEIGHTS_MISSING' // weights not in the cache and cannot be downloaded (offline)
  | 'E_WEIGHTS_FORMAT' // a weights / model file with the wrong structure or shapes
  | 'E_WEIGHTS_INTEGRITY' // sha256 mismatch
  | 'E_DOWNLOAD' // download failed after retries
  | 'E_BACKEND' // no usable tfjs backend
  | 'E_DEPENDENCY' // an optional package a feature needs is not installed or does not load (npm install it)
  | 'E_ABORTED'; // cancelled through an AbortSignal

/**
 * The one error type of facekit: a stable `code` (see docs/errors.md), a message, optional `details` and `cause`.
 *
 * @example
 * try {
 *   await verify('a.jpg', 'missing.jpg');
 * } catch (e) {
 *   if (e instanceof FaceKitError) console.error(e.code, e.message); // 'E_IO', 'cannot read …'
 * }
 * throw new FaceKitError('E_CONFIG', 'threshold must be ≥ 0', { details: { threshold: -1 } });
 */
export class FaceKitError extends Error {
  override readonly name = 'FaceKitError';
  readonly code: FaceKitErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(
    code: FaceKitErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }
}

/**
 * True for a FaceKitError, optionally with the given code.
 *
 * @example
 * try {
 *   await verify('a.jpg', 'b.jpg');
 * } catch (e) {
 *   if (isFaceKitError(e, 'E_NO_FACE')) console.log('no face in one of the photos');
 *   else throw e;
 * }
 */
export function isFaceKitError(e: unknown, code?: FaceKitErrorCode): e is FaceKitError {
  return e instanceof FaceKitError && (code === undefined || e.code === code);
}

/**
 * Throws E_ABORTED when the signal has fired; call between pipeline stages.
 *
 * @example
 * for (const file of files) {
 *   throwIfAborted(options.signal); // E_ABORTED once the caller aborted
 *   await work(file);
 * }
 */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new FaceKitError('E_ABORTED', 'operation aborted', { cause: signal.reason });
}

/**
 * A cancellation point between pipeline stages: with a signal, first yields to the event loop (inference runs
 * synchronously, so an abort() from a timer or a request handler could not run until the call had finished), then
 * throws E_ABORTED if the signal fired. Without a signal it costs nothing.
 *
 * @example
 * await abortCheckpoint(signal); // lets a pending abort() run, then throws E_ABORTED if it did
 */
export async function abortCheckpoint(signal?: AbortSignal): Promise<void> {
  if (!signal) return;
  await new Promise((resolve) => setTimeout(resolve, 0));
  throwIfAborted(signal);
}
