import type { Command } from 'commander';
import { FaceKitError, listWeightsEntries } from '@facekit/core';
import { NodeWeightsStore } from '../weights/store.js';
import { progress } from './progress.js';
import type { CliIO, RegisterCommands } from './shared.js';

function mib(bytes: number | undefined): string {
  return bytes === undefined ? '-' : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

async function list(io: CliIO, flags: { json?: boolean }): Promise<void> {
  const store = new NodeWeightsStore();
  const rows = await store.list();
  if (flags.json) {
    io.stdout(`${JSON.stringify({ cacheDir: store.cacheDir, offline: store.offline, weights: rows })}\n`);
    return;
  }
  const lines = [`cache: ${store.cacheDir}${store.offline ? ' (offline: FACEKIT_OFFLINE is set)' : ''}`];
  for (const r of rows) {
    lines.push(
      `  ${r.name.padEnd(11)} ${r.embedder.padEnd(11)} ${r.cached ? `cached  ${mib(r.size).padStart(10)}  ${r.path}` : 'missing'}`,
      `  ${''.padEnd(11)} ${r.url}`,
    );
  }
  io.stdout(`${lines.join('\n')}\n`);
}

async function pull(
  io: CliIO,
  name: string,
  flags: { url?: string; force?: boolean; sha256?: string; json?: boolean },
): Promise<void> {
  const known = listWeightsEntries().map((e) => e.name);
  if (!known.includes(name)) {
    throw new FaceKitError('E_UNKNOWN_MODEL', `unknown weights '${name}' (known: ${known.join(', ')})`);
  }
  if (flags.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(flags.sha256)) {
    throw new FaceKitError('E_CONFIG', `--sha256 expects 64 hex digits, got '${flags.sha256}'`);
  }
  const store = new NodeWeightsStore();
  const bar = progress(io, `downloading ${name}`);
  // Ctrl-C while downloading: abort cleanly so the temp file is removed before the process exits.
  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  try {
    const r = await store.pull(name, {
      url: flags.url,
      force: flags.force,
      sha256: flags.sha256,
      signal: abort.signal,
      onProgress: (done, total) => {
        if (total) bar.update(done, total);
      },
    });
    bar.stop();
    if (flags.json) io.stdout(`${JSON.stringify({ name, ...r })}\n`);
    else io.stdout(`${name}: ${r.downloaded ? 'downloaded to' : 'already cached at'} ${r.path} (${mib(r.size)})\n`);
  } finally {
    bar.stop();
    process.removeListener('SIGINT', onSigint);
  }
}

async function verifyCache(io: CliIO, names: string[], flags: { json?: boolean }): Promise<void> {
  const known = listWeightsEntries().map((e) => e.name);
  const unknown = names.find((n) => !known.includes(n));
  if (unknown) throw new FaceKitError('E_UNKNOWN_MODEL', `unknown weights '${unknown}' (known: ${known.join(', ')})`);
  const store = new NodeWeightsStore();
  const rows = await store.verify(names.length > 0 ? names : known);
  if (flags.json) io.stdout(`${JSON.stringify({ cacheDir: store.cacheDir, weights: rows })}\n`);
  else {
    const lines = [`cache: ${store.cacheDir}${rows.length === 0 ? ' (no downloaded weights cached)' : ''}`];
    for (const r of rows) lines.push(`  ${r.name.padEnd(11)} ${r.status.padEnd(10)} ${r.sha256}  ${r.path}`);
    io.stdout(`${lines.join('\n')}\n`);
  }
  const bad = rows.filter((r) => r.status === 'mismatch');
  if (bad.length > 0) {
    throw new FaceKitError(
      'E_WEIGHTS_INTEGRITY',
      `${bad.map((r) => r.name).join(', ')}: changed since verified; delete and run \`facekit weights pull NAME --force\``,
      { details: { mismatched: bad.map((r) => r.path) } },
    );
  }
}

/**
 * `facekit weights list [--json]`, `facekit weights verify [NAME...]` and `facekit weights pull NAME [--url URL] [--force] [--sha256 HEX]`: the weights
 * that are not bundled (FaceNet / OpenFace / DeepFace Keras files), where they are cached, and downloading them.
 */
export const registerWeightsCommands: RegisterCommands = (program: Command, io: CliIO) => {
  const weights = program
    .command('weights')
    .description('weights that are downloaded, not bundled: list the cache, pull into it (FACEKIT_CACHE_DIR)');
  weights
    .command('list')
    .description('every downloadable weights file: embedder, URL, whether cached, path and size')
    .option('--json', 'print one JSON object')
    .action((flags: { json?: boolean }) => list(io, flags));
  weights
    .command('pull')
    .description('download weights into the cache, verified (size / sha256 pin, Keras structure), atomically')
    .argument(
      '<name>',
      `weights name (${listWeightsEntries()
        .map((e) => e.name)
        .join(', ')})`,
    )
    .option('--url <url>', 'download from this URL instead of the canonical one (a mirror)')
    .option('--force', 'download again even when already cached')
    .option('--sha256 <hex>', 'require this sha256 of the downloaded file')
    .option('--json', 'print one JSON object')
    .action((name: string, flags: { url?: string; force?: boolean; sha256?: string; json?: boolean }) =>
      pull(io, name, flags),
    );
  weights
    .command('verify')
    .description(
      'hash every cached weights file and compare it with the sha256 recorded when it was verified (exit 1 on a mismatch)',
    )
    .argument('[names...]', 'only these weights (default: all cached)')
    .option('--json', 'print one JSON object')
    .action((names: string[], flags: { json?: boolean }) => verifyCache(io, names, flags));
};
