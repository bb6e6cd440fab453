// The weights store against a loopback HTTP server (issue 4): verified downloads, retries, stalls, truncation,
// corruption, offline mode, and never a partial or temp file left in the cache after a failure.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerWeightsEntry, weightsEntry, type WeightsEntry } from '@facekit/core';
import { zipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFixtureWeights } from '../../../test/keras-fixtures.js';
import { haveShared, kerasFixturesDir } from '../../../test/utils.js';
import { cliHint } from '../src/cli-format.js';
import { isOffline, weightsCacheDir } from '../src/weights/cache-dir.js';
import { NodeWeightsStore, type NodeWeightsStoreOptions } from '../src/weights/store.js';
import { expectCode } from './helpers.js';
import {
  type LoopbackServer,
  sequence,
  serve,
  stall,
  startLoopbackServer,
  status,
  truncate,
} from './weights-server.js';

const root = mkdtempSync(join(tmpdir(), 'facekit-weights-'));
let server: LoopbackServer;
let cacheN = 0;
const original = new Map<string, WeightsEntry>();

beforeAll(async () => {
  server = await startLoopbackServer();
});
afterAll(async () => {
  await server.close();
  for (const e of original.values()) registerWeightsEntry(e);
  rmSync(root, { recursive: true, force: true });
});

/** A fresh cache folder per test: a failure in one cannot hide behind another's files. */
function freshCache(): string {
  return join(root, `cache-${++cacheN}`);
}

/** Everything in the cache folder, temp files included (they are dot-files). */
function cacheFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Quick retries and stall detection so failures take milliseconds. */
function store(cacheDir: string, o: NodeWeightsStoreOptions = {}): NodeWeightsStore {
  return new NodeWeightsStore({ cacheDir, offline: false, retries: 2, backoffMs: 5, stallTimeoutMs: 400, ...o });
}

/** Points a catalogue entry at the loopback server for one test (restored after all tests). */
function redirect(name: string, url: string, extra: Partial<WeightsEntry> = {}): void {
  if (!original.has(name)) original.set(name, weightsEntry(name));
  registerWeightsEntry({ ...(original.get(name) as WeightsEntry), url, ...extra });
}

const garbage = new Uint8Array(200_000).map((_, i) => (i * 7919) % 251);

describe('weights store: failures leave nothing in the cache', () => {
  it('404: E_DOWNLOAD at once, no retry storm', async () => {
    const cache = freshCache();
    const e = await expectCode(store(cache).pull('openface', { url: server.url('/nope.h5') }), 'E_DOWNLOAD');
    expect(e.message).toMatch(/404/);
    // What failed, then what to do: the same ways out as E_WEIGHTS_MISSING.
    expect(e.message).toContain("pull('openface')");
    expect(e.message).toContain('FACEKIT_CACHE_DIR');
    expect(e.message).toContain('weightsPath option');
    expect(e.details).toMatchObject({ model: 'openface', attempts: 1 });
    expect(server.hits('/nope.h5')).toBe(1);
    expect(cacheFiles(cache)).toEqual([]);
  });

  it('500 on every attempt: E_DOWNLOAD after retries+1 attempts', async () => {
    server.route('/always500.h5', status(500));
    const cache = freshCache();
    const e = await expectCode(store(cache).pull('openface', { url: server.url('/always500.h5') }), 'E_DOWNLOAD');
    expect(e.message).toMatch(/500.*after 3 attempts/);
    expect(server.hits('/always500.h5')).toBe(3);
    expect(cacheFiles(cache)).toEqual([]);
  });

  it('truncated body (Content-Length larger than what was sent, connection closed): retried, then E_DOWNLOAD', async () => {
    server.route('/truncated.h5', truncate(garbage, 50_000));
    const cache = freshCache();
    const e = await expectCode(store(cache).pull('openface', { url: server.url('/truncated.h5') }), 'E_DOWNLOAD');
    expect(e.message).toMatch(/connection|closed|terminated|of 200000 bytes/i);
    expect(server.hits('/truncated.h5')).toBe(3);
    expect(cacheFiles(cache)).toEqual([]);
  });

  it('bytes that are not HDF5: E_WEIGHTS_FORMAT, not cached', async () => {
    server.route('/garbage.h5', serve(garbage));
    const cache = freshCache();
    const e = await expectCode(store(cache).pull('openface', { url: server.url('/garbage.h5') }), 'E_WEIGHTS_FORMAT');
    expect(e.message).toMatch(/not an HDF5 file/);
    expect(server.hits('/garbage.h5')).toBe(1); // a complete but wrong file is not retried
    expect(cacheFiles(cache)).toEqual([]);
  });

  it('a sha256 or size pin that does not match: E_WEIGHTS_INTEGRITY, not cached', async () => {
    server.route('/pinned.h5', serve(garbage));
    const cache = freshCache();
    const url = server.url('/pinned.h5');
    const e = await expectCode(store(cache).pull('openface', { url, sha256: 'ab'.repeat(32) }), 'E_WEIGHTS_INTEGRITY');
    const actual = createHash('sha256').update(garbage).digest('hex');
    expect(e.message).toContain(actual);
    await expectCode(
      store(cache, { pins: { openface: { size: 123 } } }).pull('openface', { url }),
      'E_WEIGHTS_INTEGRITY',
    );
    expect(cacheFiles(cache)).toEqual([]);
  });

  it('a stall on every attempt times out and ends in E_DOWNLOAD', async () => {
    server.route('/stall.h5', stall(garbage, 1000));
    const cache = freshCache();
    const e = await expectCode(
      store(cache, { retries: 1, stallTimeoutMs: 200 }).pull('openface', { url: server.url('/stall.h5') }),
      'E_DOWNLOAD',
    );
    expect(e.message).toMatch(/stalled/);
    expect(server.hits('/stall.h5')).toBe(2);
    expect(cacheFiles(cache)).toEqual([]);
  });

  it('an AbortSignal stops the download: E_ABORTED, no temp file', async () => {
    server.route('/abort.h5', stall(garbage, 1000));
    const cache = freshCache();
    const ac = new AbortController();
    const seen: number[] = [];
    const p = store(cache, { stallTimeoutMs: 60_000 }).pull('openface', {
      url: server.url('/abort.h5'),
      signal: ac.signal,
      onProgress: (done) => {
        seen.push(done);
        if (done > 0) setTimeout(() => ac.abort(), 20);
      },
    });
    await expectCode(p, 'E_ABORTED');
    expect(seen.at(-1)).toBe(1000);
    expect(cacheFiles(cache)).toEqual([]);
  });

  it('offline (FACEKIT_OFFLINE=1) and not cached: E_WEIGHTS_MISSING with the pull command, env var and --weights', async () => {
    const cache = freshCache();
    expect(isOffline({ FACEKIT_OFFLINE: '1' })).toBe(true);
    expect(isOffline({ FACEKIT_OFFLINE: '0' })).toBe(false);
    expect(isOffline({})).toBe(false);
    const saved = process.env.FACEKIT_OFFLINE;
    process.env.FACEKIT_OFFLINE = '1';
    try {
      redirect('openface', server.url('/never.h5'));
      const s = new NodeWeightsStore({ cacheDir: cache });
      expect(s.offline).toBe(true);
      const e = await expectCode(s.read('openface'), 'E_WEIGHTS_MISSING');
      expect(e.message).toContain("pull('openface')");
      expect(e.message).toContain('FACEKIT_OFFLINE=1');
      expect(e.message).toContain('FACEKIT_CACHE_DIR');
      expect(e.message).toContain('weightsPath option');
      await expectCode(s.pull('openface'), 'E_CONFIG');
      expect(server.hits('/never.h5')).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.FACEKIT_OFFLINE;
      else process.env.FACEKIT_OFFLINE = saved;
    }
    expect(cacheFiles(cache)).toEqual([]);
  });

  it('the cache folder: FACEKIT_CACHE_DIR, else XDG_CACHE_HOME/facekit, else ~/.cache/facekit', () => {
    expect(weightsCacheDir({ FACEKIT_CACHE_DIR: '/x/y', XDG_CACHE_HOME: '/c' })).toBe('/x/y');
    expect(weightsCacheDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/facekit');
    expect(weightsCacheDir({ FACEKIT_HOME: '/h' })).toBe('/h/weights');
    expect(weightsCacheDir({})).toMatch(/[/\\]\.cache[/\\]facekit$/);
  });

  it('stale temp files of a killed process are swept, fresh ones (a live download) are kept', async () => {
    const cache = freshCache();
    mkdirSync(cache, { recursive: true });
    const stale = join(cache, '.openface_weights.h5.999.0123456789ab.part');
    const live = join(cache, '.openface_weights.h5.998.ba9876543210.part');
    writeFileSync(stale, 'x');
    writeFileSync(live, 'y');
    const { utimesSync } = await import('node:fs');
    utimesSync(stale, new Date(Date.now() - 2 * 86400_000), new Date(Date.now() - 2 * 86400_000));
    await expectCode(store(cache).pull('openface', { url: server.url('/nope2.h5') }), 'E_DOWNLOAD');
    expect(cacheFiles(cache)).toEqual(['.openface_weights.h5.998.ba9876543210.part']);
    const list = await store(cache).list();
    expect(list.find((w) => w.name === 'openface')?.cached).toBe(false); // temp files are never "cached"
  });
});

const haveFixture = haveShared(join(kerasFixturesDir, 'openface'), 'Keras openface fixture');

describe.skipIf(!haveFixture)('weights store: verified downloads of a real Keras h5', () => {
  let h5: Uint8Array;
  let sha: string;
  beforeAll(() => {
    h5 = new Uint8Array(readFixtureWeights('openface'));
    sha = createHash('sha256').update(h5).digest('hex');
    server.route('/openface.h5', serve(h5));
  });
  afterEach(() => {
    for (const e of original.values()) registerWeightsEntry(e);
    original.clear();
  });

  it('downloads with progress, checks structure and sha256 pin, renames into place; a second pull is a no-op', async () => {
    const cache = freshCache();
    const progress: Array<[number, number | undefined]> = [];
    const r = await store(cache).pull('openface', {
      url: server.url('/openface.h5'),
      sha256: sha,
      onProgress: (d, t) => progress.push([d, t]),
    });
    expect(r).toMatchObject({
      path: join(cache, 'openface_weights.h5'),
      size: h5.byteLength,
      sha256: sha,
      downloaded: true,
    });
    expect(cacheFiles(cache)).toEqual(['openface_weights.h5', 'openface_weights.h5.sha256']);
    expect(progress[0]).toEqual([0, h5.byteLength]);
    expect(progress.at(-1)).toEqual([h5.byteLength, h5.byteLength]);
    expect(progress.every(([d], i) => i === 0 || d >= progress[i - 1][0])).toBe(true);
    const hits = server.hits('/openface.h5');
    expect(await store(cache).pull('openface', { url: server.url('/openface.h5') })).toMatchObject({
      downloaded: false,
    });
    expect(server.hits('/openface.h5')).toBe(hits);
    const listed = (await store(cache).list()).find((w) => w.name === 'openface');
    expect(listed).toMatchObject({ cached: true, path: r.path, size: h5.byteLength, embedder: 'openface' });
  });

  it('500 then success: retried, cached', async () => {
    server.route('/flaky.h5', sequence(status(503), serve(h5)));
    const cache = freshCache();
    const r = await store(cache).pull('openface', { url: server.url('/flaky.h5') });
    expect(r.downloaded).toBe(true);
    expect(server.hits('/flaky.h5')).toBe(2);
    expect(statSync(r.path).size).toBe(h5.byteLength);
    expect(cacheFiles(cache)).toEqual(['openface_weights.h5', 'openface_weights.h5.sha256']);
  });

  it('a stalled connection times out and the retry succeeds', async () => {
    server.route('/slow.h5', sequence(stall(h5, 4096), serve(h5)));
    const cache = freshCache();
    const r = await store(cache, { stallTimeoutMs: 300 }).pull('openface', { url: server.url('/slow.h5') });
    expect(server.hits('/slow.h5')).toBe(2);
    expect(createHash('sha256').update(readFileSync(r.path)).digest('hex')).toBe(sha);
    expect(cacheFiles(cache)).toEqual(['openface_weights.h5', 'openface_weights.h5.sha256']);
  });

  it('truncated once, then complete: the retry succeeds and the partial bytes are gone', async () => {
    server.route('/cut-once.h5', sequence(truncate(h5, 100_000), serve(h5)));
    const cache = freshCache();
    const r = await store(cache).pull('openface', { url: server.url('/cut-once.h5') });
    expect(statSync(r.path).size).toBe(h5.byteLength);
    expect(cacheFiles(cache)).toEqual(['openface_weights.h5', 'openface_weights.h5.sha256']);
  });

  it('valid HDF5 of the wrong network: E_WEIGHTS_FORMAT naming a layer; an existing cached file survives', async () => {
    const cache = freshCache();
    const e = await expectCode(store(cache).pull('facenet', { url: server.url('/openface.h5') }), 'E_WEIGHTS_FORMAT');
    expect(e.message).toMatch(/weights 'facenet' from .*layer '\w+'/);
    expect(e.message).not.toMatch(/\.part/);
    expect(cacheFiles(cache)).toEqual([]);
    // --force over a good cached file with a bad download keeps the good file.
    await store(cache).pull('openface', { url: server.url('/openface.h5') });
    server.route('/bad-update.h5', serve(garbage));
    await expectCode(
      store(cache).pull('openface', { url: server.url('/bad-update.h5'), force: true }),
      'E_WEIGHTS_FORMAT',
    );
    expect(cacheFiles(cache)).toEqual(['openface_weights.h5', 'openface_weights.h5.sha256']);
    expect(statSync(join(cache, 'openface_weights.h5')).size).toBe(h5.byteLength);
  });

  it('two concurrent pulls of the same weights: both succeed, one complete file, no temp left', async () => {
    const cache = freshCache();
    const url = server.url('/openface.h5');
    const [a, b] = await Promise.all([
      store(cache).pull('openface', { url, force: true }),
      store(cache).pull('openface', { url, force: true }),
    ]);
    expect(a.path).toBe(b.path);
    expect(cacheFiles(cache)).toEqual(['openface_weights.h5', 'openface_weights.h5.sha256']);
    expect(createHash('sha256').update(readFileSync(a.path)).digest('hex')).toBe(sha);
  });

  it('zipped weights (as DeepFace is published): the member is extracted, the archive is not kept', async () => {
    const zip = zipSync({ 'weights/openface_zipped.h5': h5, 'README.txt': new TextEncoder().encode('hi') });
    server.route('/weights.zip', serve(zip));
    server.route('/empty.zip', serve(zipSync({ 'other.bin': new Uint8Array(10) })));
    registerWeightsEntry({
      name: 'openface-zipped',
      embedder: 'openface',
      description: 'test: openface in a zip',
      url: server.url('/weights.zip'),
      file: 'openface_zipped.h5',
      format: 'keras-h5-zip',
    });
    const cache = freshCache();
    const zipSha = createHash('sha256').update(zip).digest('hex');
    const r = await store(cache).pull('openface-zipped', { sha256: zipSha });
    expect(r).toMatchObject({ downloaded: true, size: h5.byteLength, sha256: zipSha });
    expect(cacheFiles(cache)).toEqual(['openface_zipped.h5', 'openface_zipped.h5.sha256']);
    const other = freshCache();
    const e = await expectCode(
      store(other).pull('openface-zipped', { url: server.url('/empty.zip') }),
      'E_WEIGHTS_FORMAT',
    );
    expect(e.message).toMatch(/has no openface_zipped\.h5/);
    await expectCode(store(other).pull('openface-zipped', { url: server.url('/openface.h5') }), 'E_WEIGHTS_FORMAT');
    expect(cacheFiles(other)).toEqual([]);
  });

  it('trust on first use: the first verified download records its sha256; a tampered cached file is refused', async () => {
    const cache = freshCache();
    const s = store(cache);
    const r = await s.pull('openface', { url: server.url('/openface.h5') }); // no published pin for openface
    expect(readFileSync(`${r.path}.sha256`, 'utf8')).toBe(`${sha}  openface_weights.h5\n`);
    expect((await s.read('openface')).byteLength).toBe(h5.byteLength);
    expect(await s.verify()).toEqual([
      { name: 'openface', path: r.path, status: 'ok', sha256: sha, recordedSha256: sha },
    ]);
    // Same size, same HDF5 structure, one byte changed near the end.
    const tampered = new Uint8Array(h5);
    tampered[tampered.length - 9] ^= 0x01;
    writeFileSync(r.path, tampered);
    const e = await expectCode(s.read('openface'), 'E_WEIGHTS_INTEGRITY');
    expect(e.message).toContain("NodeWeightsStore.pull('openface', { force: true })");
    expect(cliHint(e)).toBe(' (CLI: run `facekit weights pull openface --force` or pass --weights PATH)');
    expect(e.message).toContain(sha);
    expect(e.details).toMatchObject({ model: 'openface', path: r.path, expectedSha256: sha });
    expect((await s.verify(['openface']))[0]).toMatchObject({ status: 'mismatch', recordedSha256: sha });
    // A forced pull replaces the file and its record.
    await s.pull('openface', { url: server.url('/openface.h5'), force: true });
    expect((await s.verify())[0].status).toBe('ok');
  });

  it('a file placed in the cache by hand is unrecorded until its first load, then held to it', async () => {
    const cache = freshCache();
    mkdirSync(cache, { recursive: true });
    const path = join(cache, 'openface_weights.h5');
    writeFileSync(path, h5);
    const s = store(cache, { download: false });
    expect((await s.verify())[0]).toMatchObject({ status: 'unrecorded', sha256: sha });
    await s.read('openface');
    expect((await s.verify())[0]).toMatchObject({ status: 'ok', recordedSha256: sha });
  });

  it("a published MD5 pin (DeepFace's archive) refuses a swapped archive: E_WEIGHTS_INTEGRITY, nothing cached", async () => {
    const zip = zipSync({ 'openface_md5.h5': h5 });
    server.route('/md5.zip', serve(zip));
    const md5 = createHash('md5').update(zip).digest('hex');
    const entry: WeightsEntry = {
      name: 'openface-md5',
      embedder: 'openface',
      description: 'test: an archive pinned by MD5 only',
      url: server.url('/md5.zip'),
      file: 'openface_md5.h5',
      format: 'keras-h5-zip',
      md5: 'f'.repeat(32),
    };
    registerWeightsEntry(entry);
    const cache = freshCache();
    const e = await expectCode(store(cache).pull('openface-md5'), 'E_WEIGHTS_INTEGRITY');
    expect(e.message).toContain(md5);
    expect(cacheFiles(cache)).toEqual([]);
    registerWeightsEntry({ ...entry, md5 });
    expect((await store(cache).pull('openface-md5')).downloaded).toBe(true);
  });

  it('resolution order: explicit path, then cache, then download on first use', async () => {
    const cache = freshCache();
    redirect('openface', server.url('/first-use.h5'));
    server.route('/first-use.h5', serve(h5));
    const events: string[] = [];
    const s = store(cache, { onProgress: (name, d, t) => d === t && events.push(`${name} ${d}`) });
    const explicit = join(root, 'explicit.bin');
    writeFileSync(explicit, Buffer.from([1, 2, 3]));
    expect(Array.from(await s.read('openface', { path: explicit }))).toEqual([1, 2, 3]);
    expect(server.hits('/first-use.h5')).toBe(0);
    expect((await s.read('openface')).byteLength).toBe(h5.byteLength); // downloaded
    expect(events).toEqual([`openface ${h5.byteLength}`]);
    expect((await s.read('openface')).byteLength).toBe(h5.byteLength); // cached
    expect(server.hits('/first-use.h5')).toBe(1);
    // A cache-only store never downloads.
    await expectCode(store(freshCache(), { download: false }).read('openface'), 'E_WEIGHTS_MISSING');
    expect(server.hits('/first-use.h5')).toBe(1);
  });
});
