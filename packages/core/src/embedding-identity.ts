// An embedding's identity is its embedder's name plus a fingerprint of the weights that made it: a fine-tuned
// FaceNet and the stock one share a name and a dimension, and their vectors must not meet in one gallery.
import { FaceKitError } from './errors.js';
import type { ModelContext } from './registry.js';

/** Hex digits kept of the sha256: 48 bits, collision-free in practice across the weights one user keeps apart. */
const FINGERPRINT_HEX = 12;

/**
 * Records what a model factory reads through its ModelContext (bundled files, cached or explicit weights), so that
 * the model's weights can be fingerprinted once it is loaded, whatever the embedder's own loading code.
 *
 * @example
 * const rec = recordingContext(ctx);
 * const embedder = await spec.create(rec.ctx);
 * const fp = await rec.fingerprint(); // '3f9a0c1d2e4b' (undefined when nothing was read or no WebCrypto)
 */
export function recordingContext(ctx: ModelContext): { ctx: ModelContext; fingerprint(): Promise<string | undefined> } {
  const read = new Map<string, Uint8Array>();
  let done = false;
  const keep =
    <A extends unknown[]>(key: (...a: A) => string, f: (...a: A) => Promise<Uint8Array>) =>
    async (...a: A) => {
      const bytes = await f(...a);
      if (!done) read.set(key(...a), bytes);
      return bytes;
    };
  const wrapped: ModelContext = {
    ...ctx,
    files: keep((p: string) => `file:${p}`, ctx.files),
    ...(ctx.weights && { weights: keep((name: string) => `weights:${name}`, ctx.weights) }),
    ...(ctx.readFile && { readFile: keep((p: string) => `path:${p}`, ctx.readFile) }),
  };
  return {
    ctx: wrapped,
    fingerprint: () => {
      // By name, not by arrival: parallel reads finish in any order. Then let go of the bytes.
      const parts = [...read.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, bytes]) => bytes);
      done = true;
      read.clear();
      return fingerprintBytes(parts);
    },
  };
}

/**
 * The weights fingerprint of the given bytes, in the order given: the first 12 hex digits of the sha256 of their sha256s
 * (WebCrypto, in Node and the browser alike). Undefined without bytes or without WebCrypto (an insecure page).
 *
 * @example
 * await fingerprintBytes([weightsBytes]); // e.g. 'a41c09be3d27'
 */
export async function fingerprintBytes(parts: Uint8Array[]): Promise<string | undefined> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle || parts.length === 0) return undefined;
  const digests = await Promise.all(parts.map((p) => subtle.digest('SHA-256', p as Uint8Array<ArrayBuffer>)));
  const all = new Uint8Array(digests.length * 32);
  for (const [i, d] of digests.entries()) all.set(new Uint8Array(d), i * 32);
  const top = new Uint8Array(await subtle.digest('SHA-256', all));
  return Array.from(top, (b) => b.toString(16).padStart(2, '0'))
    .join('')
    .slice(0, FINGERPRINT_HEX);
}

/**
 * Throws E_EMBEDDING_MISMATCH when both fingerprints are known and differ: the same embedder name with other
 * weights (fine-tuned, or another release), whose vectors must not be mixed.
 *
 * @example
 * assertSameWeights('this gallery', 'facenet', gallery.weights, embedding.weights);
 */
export function assertSameWeights(
  holder: string,
  embedder: string | undefined,
  held: string | undefined,
  got: string | undefined,
): void {
  if (held === undefined || got === undefined || held === got) return;
  throw new FaceKitError(
    'E_EMBEDDING_MISMATCH',
    `${holder} holds '${embedder}' embeddings of weights ${held}, got one of weights ${got}: the same embedder with ` +
      'other weights (fine-tuned or another file) makes incomparable vectors; use a separate gallery per weights ' +
      'file, or re-enrol everything with one',
    { details: { embedder, weights: held, got } },
  );
}
