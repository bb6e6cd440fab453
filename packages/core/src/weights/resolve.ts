import { FaceKitError, isFaceKitError } from '../errors.js';
import type { ModelContext } from '../registry.js';
import { findWeightsEntry, type WeightsEntry } from './catalogue.js';
import type { DownloadProgress } from './policy.js';

/**
 * Environment variables of the weights store (read by the platforms that have an environment).
 *
 * @example
 * const cacheDir = process.env[WEIGHTS_ENV.cacheDir]; // FACEKIT_CACHE_DIR
 */
export const WEIGHTS_ENV = { cacheDir: 'FACEKIT_CACHE_DIR', offline: 'FACEKIT_OFFLINE' } as const;

/**
 * Options of one weights request.
 *
 * @example
 * const request: WeightsRequest = { path: './facenet_weights.h5', signal: AbortSignal.timeout(60_000) };
 */
export interface WeightsRequest {
  /** An explicit file (the `weightsPath` option): wins over the cache and the network. */
  path?: string;
  signal?: AbortSignal;
  onProgress?: DownloadProgress;
}

/**
 * What a platform gives the store: explicit files, a cache, and (unless offline) a downloader.
 *
 * @example
 * const platform: WeightsPlatform = {
 *   location: 'memory',
 *   offline: true,
 *   readPath: async (path) => readFile(path),
 *   readCached: async (name) => cache.get(name),
 *   download: async () => {},
 * };
 */
export interface WeightsPlatform {
  /** The cache's location, for messages. */
  readonly location: string;
  /** True when downloads are forbidden (`FACEKIT_OFFLINE=1`). */
  readonly offline: boolean;
  /** Why `offline`: the env var (default) or a cache-only store. Only changes the message. */
  readonly offlineReason?: 'offline' | 'no-download';
  readPath(path: string): Promise<Uint8Array>;
  /** The cached weights of `name` (catalogued or not), or undefined when not cached. */
  readCached(name: string): Promise<Uint8Array | undefined>;
  /** Downloads a catalogued entry into the cache (verified, atomically). */
  download(entry: WeightsEntry, request: WeightsRequest): Promise<void>;
}

/**
 * The message of E_WEIGHTS_MISSING: where the store looked and the ways out in the API's terms (the store's `pull`,
 * the env var, the `weightsPath` option); the CLI adds its own command and flag (`details.model` names the weights).
 *
 * @example
 * missingWeightsMessage('facenet', '/home/me/.cache/facekit', 'offline');
 */
export function missingWeightsMessage(
  name: string,
  location: string,
  why: 'offline' | 'no-download' | 'unknown',
): string {
  const reason =
    why === 'offline'
      ? `${WEIGHTS_ENV.offline}=1 forbids downloading them`
      : why === 'unknown'
        ? 'they have no download URL'
        : 'downloading is off here';
  return `weights '${name}' are not in the cache ${location} and ${reason}: ${weightsFixes(name)}`;
}

/**
 * The ways to get weights that are not cached, for every message that ends in missing weights (E_WEIGHTS_MISSING,
 * E_DOWNLOAD), in the API's terms: the weights store's `pull` (docs/weights.md), the cache variable, the
 * `weightsPath` option. Core speaks of the API; the CLI adds its command and flag from the error's code and
 * `details.model`.
 *
 * @example
 * throw new FaceKitError('E_DOWNLOAD', `${why}; ${weightsFixes('facenet')}`, { details: { model: 'facenet' } });
 */
export function weightsFixes(name: string): string {
  const entry = findWeightsEntry(name);
  return [
    ...(entry ? [`pull them while online (the weights store's pull('${name}'), see docs/weights.md)`] : []),
    `set ${WEIGHTS_ENV.cacheDir} to a folder holding ${entry?.file ?? `${name}.h5`}`,
    'or pass the file as the weightsPath option',
  ].join(', ');
}

/**
 * The store's resolution order: explicit path → cache → download (catalogued weights, when not offline) →
 * E_WEIGHTS_MISSING with the command that fixes it.
 *
 * @example
 * const bytes = await resolveWeightsBytes(platform, 'facenet', { onProgress: (d, t) => console.log(d, t) });
 */
export async function resolveWeightsBytes(
  platform: WeightsPlatform,
  name: string,
  request: WeightsRequest = {},
): Promise<Uint8Array> {
  if (request.path) return platform.readPath(request.path);
  const cached = await platform.readCached(name);
  if (cached) return cached;
  const entry = findWeightsEntry(name);
  if (!entry || platform.offline) {
    throw new FaceKitError(
      'E_WEIGHTS_MISSING',
      missingWeightsMessage(name, platform.location, entry ? (platform.offlineReason ?? 'offline') : 'unknown'),
      { details: { model: name } },
    );
  }
  await platform.download(entry, request);
  const downloaded = await platform.readCached(name);
  if (!downloaded) throw new FaceKitError('E_DOWNLOAD', `weights '${name}' were downloaded but are not in the cache`);
  return downloaded;
}

/**
 * An embedder's weights through its ModelContext: the platform's store with `ctx.weightsPath` as the explicit path,
 * else `ctx.readFile(ctx.weightsPath)`, else E_WEIGHTS_MISSING saying how to get them (`details.model`: `name`).
 * `hint` names the file the user should look for; it is appended to an E_WEIGHTS_MISSING that is not the store's
 * own about these weights (the store's already lists the ways out).
 *
 * @example
 * const { bytes, label } = await loadModelContextWeights(ctx, 'openface', "deepface's openface_weights.h5");
 */
export async function loadModelContextWeights(
  ctx: ModelContext,
  name: string,
  hint: string,
): Promise<{ bytes: Uint8Array; label: string }> {
  const path = ctx.weightsPath;
  const fix = `pass the file as the weightsPath option (${hint}) or pull them into the weights store (pull('${name}'))`;
  if (ctx.weights) {
    try {
      const bytes = path ? await ctx.weights(name, { path }) : await ctx.weights(name);
      return { bytes, label: path ?? `${name} weights` };
    } catch (e) {
      // The store's own E_WEIGHTS_MISSING for these weights already lists the ways out: keep it as it is.
      if (!isFaceKitError(e, 'E_WEIGHTS_MISSING') || e.details?.model === name) throw e;
      throw new FaceKitError('E_WEIGHTS_MISSING', `${e.message}; ${fix}`, { cause: e, details: { model: name } });
    }
  }
  if (path) {
    if (ctx.readFile) return { bytes: await ctx.readFile(path), label: path };
    throw new FaceKitError(
      'E_WEIGHTS_MISSING',
      `cannot read weights file ${path}: this platform gives no file access`,
      {
        details: { model: name },
      },
    );
  }
  throw new FaceKitError('E_WEIGHTS_MISSING', `no weights for embedder '${name}': ${fix}`, {
    details: { model: name },
  });
}
