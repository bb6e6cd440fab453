import { FaceKitError } from '../errors.js';
import type { WeightsPin } from './catalogue.js';

/**
 * Bytes done and, when the server said, bytes in all.
 *
 * @example
 * const onProgress: DownloadProgress = (done, total) => console.log(total ? `${done}/${total}` : `${done} bytes`);
 */
export type DownloadProgress = (done: number, total: number | undefined) => void;

/**
 * Retry and timeout settings of a download.
 *
 * @example
 * const policy: DownloadPolicy = { ...DEFAULT_DOWNLOAD_POLICY, retries: 5 };
 */
export interface DownloadPolicy {
  /** Attempts after the first (default 3). */
  retries: number;
  /** First back-off in ms, doubled each retry, ±25 % jitter (default 500). */
  backoffMs: number;
  /** A connection that sends nothing for this long is dropped and retried (default 30 000). */
  stallTimeoutMs: number;
}

/**
 * The default download policy: 3 retries, 500 ms first back-off, 30 s stall timeout.
 *
 * @example
 * const delay = retryDelayMs(1, DEFAULT_DOWNLOAD_POLICY); // ~375–625 ms
 */
export const DEFAULT_DOWNLOAD_POLICY: DownloadPolicy = { retries: 3, backoffMs: 500, stallTimeoutMs: 30_000 };

/**
 * HTTP statuses worth another try: server errors, request timeout, rate limiting. A 404 will stay a 404.
 *
 * @example
 * isRetryableStatus(503); // true
 * isRetryableStatus(404); // false
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * Back-off before retry `attempt` (1-based): exponential with jitter, so parallel clients do not retry in step.
 *
 * @example
 * retryDelayMs(3, { backoffMs: 500 }, () => 0.5); // 2000
 */
export function retryDelayMs(attempt: number, policy: Pick<DownloadPolicy, 'backoffMs'>, random = Math.random): number {
  return Math.round(policy.backoffMs * 2 ** (attempt - 1) * (0.75 + 0.5 * random()));
}

/**
 * Checks a downloaded file against its pin: E_WEIGHTS_INTEGRITY naming what differs.
 *
 * @example
 * checkPin(`weights 'facenet' from ${entry.url}`, entry, { size, sha256 }); // throws on a mismatch
 */
export function checkPin(label: string, pin: WeightsPin, got: { size: number; sha256: string; md5?: string }): void {
  if (pin.size !== undefined && pin.size !== got.size) {
    throw new FaceKitError('E_WEIGHTS_INTEGRITY', `${label}: ${got.size} bytes, expected ${pin.size}`, {
      details: { expectedSize: pin.size, size: got.size },
    });
  }
  if (pin.sha256 !== undefined && pin.sha256.toLowerCase() !== got.sha256) {
    throw new FaceKitError('E_WEIGHTS_INTEGRITY', `${label}: sha256 ${got.sha256}, expected ${pin.sha256}`, {
      details: { expectedSha256: pin.sha256, sha256: got.sha256 },
    });
  }
  if (pin.md5 !== undefined && pin.md5.toLowerCase() !== got.md5) {
    throw new FaceKitError('E_WEIGHTS_INTEGRITY', `${label}: md5 ${got.md5 ?? '(not computed)'}, expected ${pin.md5}`, {
      details: { expectedMd5: pin.md5, md5: got.md5 },
    });
  }
}
