import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertSafeRelativePath,
  checkPin,
  type DownloadPolicy,
  type DownloadProgress,
  FaceKitError,
  findWeightsEntry,
  isFaceKitError,
  listWeightsEntries,
  type ModelContext,
  resolveWeightsBytes,
  throwIfAborted,
  WEIGHTS_ENV,
  type WeightsEntry,
  type WeightsPin,
  type WeightsPlatform,
  type WeightsRequest,
  weightsEntry,
  weightsFixes,
} from '@facekit/core';
import { readWeightsFile } from '../folder-files.js';
import { isOffline, weightsCacheDir } from './cache-dir.js';
import { downloadFile } from './download.js';
import { checkCachedBytes, recordedSha256, recordSha256, sha256OfFile } from './integrity.js';
import { kerasStructureCheck, type WeightsStructureCheck } from './structure-check.js';
import { removeQuietly, removeStaleTemps, tempPathFor } from './temp-files.js';
import { extractZipMember } from './unzip-member.js';

/**
 * Options of {@link NodeWeightsStore}: where the cache is, whether it may download, pins and download policy.
 *
 * @example
 * const store = new NodeWeightsStore({ cacheDir: '/data/facekit', retries: 5, pins: { facenet: { sha256 } } });
 */
export interface NodeWeightsStoreOptions extends Partial<DownloadPolicy> {
  /** Default: `weightsCacheDir()` (FACEKIT_CACHE_DIR, else the user's cache folder). */
  cacheDir?: string;
  /** Forbid downloads; default: `FACEKIT_OFFLINE`. */
  offline?: boolean;
  /** false: a cache-only store that never downloads (reading cached or explicit files only). Default true. */
  download?: boolean;
  /** sha256 / size pins per weights name, over the catalogue's. */
  pins?: Record<string, WeightsPin>;
  /** Progress of downloads that the store starts itself (e.g. on first use of an embedder). */
  onProgress?: (name: string, done: number, total: number | undefined) => void;
  /** What a downloaded file must pass before it enters the cache (default: the embedder's Keras layers). */
  check?: WeightsStructureCheck;
  /** Injected for tests; the global fetch by default. */
  fetch?: typeof fetch;
}

/**
 * Options of {@link NodeWeightsStore.pull}: a mirror URL, re-download, a required sha256, abort and progress.
 *
 * @example
 * await store.pull('facenet', { url: 'https://mirror.example/facenet_weights.h5', force: true });
 */
export interface PullOptions {
  /** Download from here instead of the catalogue's URL (a mirror). */
  url?: string;
  /** Download even when the file is already cached (the new file replaces it atomically). */
  force?: boolean;
  /** Require this sha256 of the downloaded file. */
  sha256?: string;
  signal?: AbortSignal;
  onProgress?: DownloadProgress;
}

/**
 * What {@link NodeWeightsStore.pull} did: where the file is, its size and whether it was downloaded now.
 *
 * @example
 * const { path, size, downloaded }: PullResult = await store.pull('openface');
 */
export interface PullResult {
  path: string;
  /** Bytes of the cached file. */
  size: number;
  /** sha256 of the downloaded file (the archive for zipped weights); absent when nothing was downloaded. */
  sha256?: string;
  downloaded: boolean;
}

/**
 * A catalogue entry with what the cache holds for it.
 *
 * @example
 * for (const w of await store.list()) console.log(w.name, w.cached ? w.path : 'not cached');
 */
export interface WeightsListing {
  name: string;
  embedder: string;
  description: string;
  url: string;
  file: string;
  sha256?: string;
  cached: boolean;
  path?: string;
  size?: number;
}

/**
 * What `facekit weights verify` found for one cached file: `ok` (hashes to its record), `mismatch` (changed since
 * it was verified: E_WEIGHTS_INTEGRITY on load), `unrecorded` (placed by hand; recorded on its first load).
 *
 * @example
 * for (const r of await store.verify()) if (r.status === 'mismatch') console.error(r.name, r.path);
 */
export interface WeightsCheck {
  name: string;
  path: string;
  status: 'ok' | 'mismatch' | 'unrecorded';
  sha256: string;
  recordedSha256?: string;
}

/**
 * The weights store of `@facekit/node`: an explicit path, else the cache folder, else a verified download into it.
 * Downloads stream into a unique temp file beside the target (sha256 computed on the way), are checked (size,
 * sha256 / MD5 pins, Keras structure) and renamed into place, so the cache only ever holds complete, checked files,
 * even with two processes pulling at once (the last complete rename wins). The sha256 of each cached file is
 * recorded beside it (`<file>.sha256`) and every load is held to it (trust on first use where no pin is published).
 *
 * @example
 * const store = new NodeWeightsStore();
 * await store.pull('openface', { onProgress: (d, t) => console.log(d, t) });
 * const bytes = await store.read('openface');
 */
export class NodeWeightsStore {
  readonly cacheDir: string;
  readonly offline: boolean;
  private readonly options: NodeWeightsStoreOptions;

  constructor(options: NodeWeightsStoreOptions = {}) {
    this.options = options;
    this.cacheDir = options.cacheDir ?? weightsCacheDir();
    this.offline = options.offline ?? isOffline();
  }

  /** The catalogue entry of `name` with this store's pins applied. */
  entry(name: string): WeightsEntry {
    return { ...weightsEntry(name), ...this.options.pins?.[name] };
  }

  /** File names `name` may be cached under: the catalogue's file name, then `<name>.h5` and `<name>`. */
  private candidates(name: string): string[] {
    assertSafeRelativePath(name);
    const file = findWeightsEntry(name)?.file;
    return [...new Set([...(file ? [file] : []), `${name}.h5`, name])];
  }

  /** The cached file of `name`, or undefined. */
  async cachedPath(name: string): Promise<string | undefined> {
    for (const file of this.candidates(name)) {
      const path = join(this.cacheDir, file);
      if ((await stat(path).catch(() => undefined))?.isFile()) return path;
    }
    return undefined;
  }

  /** Every catalogued weights file and whether (and where) it is cached. */
  async list(): Promise<WeightsListing[]> {
    return Promise.all(
      listWeightsEntries().map(async (e) => {
        const entry = this.entry(e.name);
        const path = await this.cachedPath(e.name);
        const size = path ? (await stat(path)).size : undefined;
        return {
          name: entry.name,
          embedder: entry.embedder,
          description: entry.description,
          url: entry.url,
          file: entry.file,
          ...(entry.sha256 ? { sha256: entry.sha256 } : {}),
          cached: path !== undefined,
          ...(path ? { path, size } : {}),
        };
      }),
    );
  }

  /** Downloads `name` into the cache (unless cached and not `force`), verified; returns where it is. */
  async pull(name: string, options: PullOptions = {}): Promise<PullResult> {
    const entry = { ...this.entry(name), ...(options.url ? { url: options.url } : {}) };
    if (options.sha256 !== undefined) entry.sha256 = options.sha256.toLowerCase();
    if (!options.force) {
      const path = await this.cachedPath(name);
      if (path) return { path, size: (await stat(path)).size, downloaded: false };
    }
    if (this.offline) {
      throw new FaceKitError('E_CONFIG', `${WEIGHTS_ENV.offline}=1 forbids downloading '${name}'; unset it to pull`);
    }
    await mkdir(this.cacheDir, { recursive: true });
    await removeStaleTemps(this.cacheDir);
    const dest = join(this.cacheDir, entry.file);
    const fetched = tempPathFor(this.cacheDir, entry.format === 'keras-h5-zip' ? `${entry.file}.zip` : entry.file);
    const h5 = entry.format === 'keras-h5-zip' ? tempPathFor(this.cacheDir, entry.file) : fetched;
    try {
      const got = await downloadFile(entry.url, fetched, {
        ...this.options,
        signal: options.signal,
        onProgress: options.onProgress,
      }).catch((e) => {
        // What failed, then what to do: the same ways out as E_WEIGHTS_MISSING.
        if (!isFaceKitError(e, 'E_DOWNLOAD')) throw e;
        throw new FaceKitError('E_DOWNLOAD', `weights '${name}': ${e.message}. To get them: ${weightsFixes(name)}`, {
          cause: e.cause,
          details: { ...e.details, model: name },
        });
      });
      checkPin(`weights '${name}' from ${entry.url}`, entry, got);
      if (h5 !== fetched) {
        await extractZipMember(fetched, entry.archiveMember ?? entry.file, h5);
        await removeQuietly(fetched);
      }
      throwIfAborted(options.signal);
      await (this.options.check ?? kerasStructureCheck)(entry, h5);
      throwIfAborted(options.signal);
      const cachedSha256 = h5 === fetched ? got.sha256 : await sha256OfFile(h5);
      await rename(h5, dest);
      await recordSha256(dest, cachedSha256);
      return { path: dest, size: (await stat(dest)).size, sha256: got.sha256, downloaded: true };
    } finally {
      // After a success both are gone already; after any failure this is what keeps the cache clean.
      await removeQuietly(fetched);
      await removeQuietly(h5);
    }
  }

  /** Hashes every cached catalogued file and compares it with its recorded sha256 (`facekit weights verify`). */
  async verify(names: string[] = listWeightsEntries().map((e) => e.name)): Promise<WeightsCheck[]> {
    const out: WeightsCheck[] = [];
    for (const name of names) {
      const path = await this.cachedPath(name);
      if (!path) continue;
      const [sha256, recorded] = await Promise.all([sha256OfFile(path), recordedSha256(path)]);
      const status = recorded === undefined ? 'unrecorded' : recorded === sha256 ? 'ok' : 'mismatch';
      out.push({ name, path, status, sha256, ...(recorded ? { recordedSha256: recorded } : {}) });
    }
    return out;
  }

  /** The weights of `name`: `request.path`, else cached, else downloaded (when allowed), else E_WEIGHTS_MISSING. */
  read(name: string, request: WeightsRequest = {}): Promise<Uint8Array> {
    return resolveWeightsBytes(this.platform(), name, request);
  }

  /** This store as core's `ModelContext.weights`. */
  resolver(): NonNullable<ModelContext['weights']> {
    return (name, options) => this.read(name, options);
  }

  private platform(): WeightsPlatform {
    const canDownload = this.options.download ?? true;
    return {
      location: this.cacheDir,
      offline: this.offline || !canDownload,
      offlineReason: this.offline ? 'offline' : 'no-download',
      readPath: readWeightsFile,
      // Names come from the catalogue or are checked by candidates(); a symlink into the cache (e.g. to a
      // ~/.deepface/weights file) is followed on purpose.
      readCached: async (name) => {
        const path = await this.cachedPath(name);
        if (!path) return undefined;
        const bytes = await readWeightsFile(path);
        await checkCachedBytes(name, path, bytes);
        return bytes;
      },
      download: async (entry, request) => {
        const progress = this.options.onProgress;
        await this.pull(entry.name, {
          signal: request.signal,
          onProgress: request.onProgress ?? (progress && ((d, t) => progress(entry.name, d, t))),
        });
      },
    };
  }
}
