import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import {
  DEFAULT_DOWNLOAD_POLICY,
  type DownloadPolicy,
  type DownloadProgress,
  FaceKitError,
  isRetryableStatus,
  retryDelayMs,
} from '@facekit/core';
import { removeQuietly } from './temp-files.js';

export interface DownloadOptions extends Partial<DownloadPolicy> {
  signal?: AbortSignal;
  onProgress?: DownloadProgress;
  /** Injected for tests; the global fetch by default. */
  fetch?: typeof fetch;
}

/** What a finished download wrote. */
export interface Downloaded {
  size: number;
  sha256: string;
  /** For the pins whose publisher gives only an MD5 (see WeightsPin.md5). */
  md5: string;
}

/** A failed attempt: `retry` says whether another attempt can help (network errors, stalls, 5xx; not a 404). */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(t);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });

function aborted(signal: AbortSignal | undefined, url: string): FaceKitError {
  return new FaceKitError('E_ABORTED', `download of ${url} aborted`, { cause: signal?.reason });
}

/**
 * One attempt: streams `url` into `dest` (created or truncated), hashing as it goes. A connection silent for
 * `stallTimeoutMs` is dropped; a body shorter than its Content-Length is an error (the server closed early).
 */
async function attempt(url: string, dest: string, o: DownloadOptions & DownloadPolicy): Promise<Downloaded> {
  const stall = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stall.signal]) : stall.signal;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(new Error('stalled')), o.stallTimeoutMs);
  };
  const file = await open(dest, 'w');
  try {
    arm();
    let res: Response;
    try {
      // identity: the byte count and the sha256 are those of the file, not of a compressed transfer.
      res = await (o.fetch ?? fetch)(url, { signal, redirect: 'follow', headers: { 'accept-encoding': 'identity' } });
    } catch (cause) {
      throw new AttemptError(`cannot reach ${url}: ${describe(cause, stall.signal)}`, true, { cause });
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new AttemptError(`${url}: HTTP ${res.status} ${res.statusText}`.trim(), isRetryableStatus(res.status));
    }
    const header = res.headers.get('content-length');
    const total = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
    const hash = createHash('sha256');
    const md5 = createHash('md5');
    let done = 0;
    o.onProgress?.(0, total);
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        arm();
        hash.update(chunk);
        md5.update(chunk);
        await file.write(chunk);
        done += chunk.byteLength;
        o.onProgress?.(done, total);
      }
    } catch (cause) {
      throw new AttemptError(`${url}: connection lost after ${done} bytes: ${describe(cause, stall.signal)}`, true, {
        cause,
      });
    }
    if (total !== undefined && done !== total) {
      throw new AttemptError(`${url}: got ${done} of ${total} bytes (connection closed early)`, true);
    }
    return { size: done, sha256: hash.digest('hex'), md5: md5.digest('hex') };
  } finally {
    clearTimeout(timer);
    await file.close();
  }
}

function describe(cause: unknown, stall: AbortSignal): string {
  if (stall.aborted) return 'no data for too long (stalled)';
  const e = cause as { message?: string; cause?: { message?: string; code?: string } };
  return [e?.message, e?.cause?.code ?? e?.cause?.message].filter(Boolean).join(': ') || String(cause);
}

/**
 * Downloads `url` to `dest` with retries: network errors, stalls, truncated bodies and 5xx / 408 / 429 are retried
 * with exponential back-off; other HTTP errors fail at once. Throws E_DOWNLOAD (or E_ABORTED) and then leaves no
 * `dest` behind.
 *
 * @example
 * const { size, sha256 } = await downloadFile(url, '/cache/.x.part', { onProgress: (d, t) => bar.update(d, t) });
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<Downloaded> {
  const o = { ...DEFAULT_DOWNLOAD_POLICY, ...definedOnly(options) };
  try {
    for (let n = 0; ; n++) {
      if (o.signal?.aborted) throw aborted(o.signal, url);
      try {
        return await attempt(url, dest, o);
      } catch (e) {
        if (o.signal?.aborted) throw aborted(o.signal, url);
        if (!(e instanceof AttemptError)) throw e;
        if (!e.retry || n >= o.retries) {
          const tries = n + 1;
          throw new FaceKitError('E_DOWNLOAD', `${e.message}${tries > 1 ? ` (after ${tries} attempts)` : ''}`, {
            cause: e,
            details: { url, attempts: tries },
          });
        }
        await sleep(retryDelayMs(n + 1, o), o.signal).catch(() => {
          throw aborted(o.signal, url);
        });
      }
    }
  } catch (e) {
    await removeQuietly(dest);
    throw e;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
