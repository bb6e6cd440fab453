import { assertSafeRelativePath, FaceKitError, type FileLoader } from '@facekit/core';

/**
 * Options of {@link urlFileLoader}: the Cache API bucket and the fetch to use.
 *
 * @example
 * const fetchOmit = (u: RequestInfo | URL) => fetch(u, { credentials: 'omit' });
 * const files = urlFileLoader('/models/', { cacheName: env.cacheName, fetch: fetchOmit });
 */
export interface UrlFileLoaderOptions {
  /** Cache API bucket to keep responses in; undefined = plain fetch (the HTTP cache still applies). */
  cacheName?: string;
  fetch?: typeof fetch;
}

/** The Cache API exists only in secure contexts (https, localhost); elsewhere we silently do without it. */
async function openCache(name: string | undefined): Promise<Cache | undefined> {
  if (name === undefined || typeof caches === 'undefined') return undefined;
  try {
    return await caches.open(name);
  } catch {
    return undefined; // e.g. storage disabled (private mode): caching is an optimisation, never a failure
  }
}

/**
 * A FileLoader that fetches model files below a base URL, keeping them in the Cache API so a second visit reads
 * them locally. Paths are checked like on disk: a manifest cannot make us fetch outside the base URL.
 *
 * @example
 * const files = urlFileLoader('https://app.example/models/', { cacheName: 'facekit-models-v1' });
 * const json = await files('blazeface-back.json');
 */
export function urlFileLoader(baseUrl: string, options: UrlFileLoaderOptions = {}): FileLoader {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  let cache: Promise<Cache | undefined> | undefined;
  return async (relativePath: string) => {
    assertSafeRelativePath(relativePath);
    const url = new URL(relativePath, baseUrl).href;
    cache ??= openCache(options.cacheName);
    const store = await cache;
    const hit = await store?.match(url);
    if (hit) return new Uint8Array(await hit.arrayBuffer());
    let res: Response;
    try {
      res = await doFetch(url);
    } catch (cause) {
      throw new FaceKitError('E_IO', `cannot fetch model file ${url}: ${(cause as Error).message}`, { cause });
    }
    if (res.status === 404) {
      throw new FaceKitError('E_WEIGHTS_MISSING', `model file '${relativePath}' not found at ${url} (404)`, {
        details: { url },
      });
    }
    if (!res.ok) throw new FaceKitError('E_IO', `cannot fetch model file ${url}: HTTP ${res.status}`);
    // Cache a copy only after the body arrived whole, so an interrupted download is never kept.
    const bytes = new Uint8Array(await res.arrayBuffer());
    await store?.put(url, new Response(bytes.slice(), { headers: { 'content-type': 'application/octet-stream' } }));
    return bytes;
  };
}

/**
 * Empties facekit's model cache (after you host new model files at the same URLs, or to free storage).
 *
 * @example
 * await clearModelCache(); // next load downloads again
 */
export async function clearModelCache(cacheName: string): Promise<boolean> {
  if (typeof caches === 'undefined') return false;
  return caches.delete(cacheName);
}
