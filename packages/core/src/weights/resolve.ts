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
  /** An explicit file (`weightsPath` / `--weights`): wins over the cache and the network. */
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
 * The message of E_WEIGHTS_MISSING: where the store looked and the exact ways out (pull command, env var, option).
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
 * E_DOWNLOAD): the pull command, the cache variable, the explicit file.
 *
 * @example
 * throw new FaceKitError('E_DOWNLOAD', `${why}; ${weightsFixes('facenet')}`);
 */
export function weightsFixes(name: string): string {
  const entry = findWeightsEntry(name);
  return [
    ...(entry ? [`run \`facekit weights pull ${name}\` (while online)`] : []),
    `set ${WEIGHTS_ENV.cacheDir} to a folder holding ${entry?.file ?? `${name}.h5`}`,
    'or pass --weights PATH (API: weightsPath)',
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
 * else `ctx.readFile(ctx.weightsPath)`, else E_WEIGHTS_MISSING telling the exact command. `hint` names the file the
 * user should look for; it is appended to a store's E_WEIGHTS_MISSING.
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
  const fix = `pass --weights PATH (${hint}; API: weightsPath) or run \`facekit weights pull ${name}\``;
  if (ctx.weights) {
    try {
      const bytes = path ? await ctx.weights(name, { path }) : await ctx.weights(name);
      return { bytes, label: path ?? `${name} weights` };
    } catch (e) {
      if (!isFaceKitError(e, 'E_WEIGHTS_MISSING') || e.message.includes('facekit weights pull')) throw e;
      throw new FaceKitError('E_WEIGHTS_MISSING', `${e.message}; ${fix}`, { cause: e, details: { model: name } });
    }
  }
  if (path) {
    if (ctx.readFile) return { bytes: await ctx.readFile(path), label: path };
    throw new FaceKitError('E_WEIGHTS_MISSING', `cannot read weights file ${path}: this platform gives no file access`);
  }
  throw new FaceKitError('E_WEIGHTS_MISSING', `no weights for embedder '${name}': ${fix}`, {
    details: { model: name },
  });
}
