// `facekit weights list|pull` and `facekit verify --embedder openface --weights PATH` in-process (issue 4).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFixtureWeights } from '../../../test/keras-fixtures.js';
import { haveShared, kerasFixturesDir, lfwDir, lfwImage } from '../../../test/utils.js';
import { main } from '../src/cli.js';
import { type LoopbackServer, serve, startLoopbackServer } from './weights-server.js';

const root = mkdtempSync(join(tmpdir(), 'facekit-weights-cli-'));
const saved = { cache: process.env.FACEKIT_CACHE_DIR, offline: process.env.FACEKIT_OFFLINE };
let server: LoopbackServer;
let cache: string;
let n = 0;

beforeAll(async () => {
  server = await startLoopbackServer();
});
beforeEach(() => {
  cache = join(root, `cache-${++n}`);
  process.env.FACEKIT_CACHE_DIR = cache;
  delete process.env.FACEKIT_OFFLINE;
});
afterAll(async () => {
  await server.close();
  for (const [k, v] of [
    ['FACEKIT_CACHE_DIR', saved.cache],
    ['FACEKIT_OFFLINE', saved.offline],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(root, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), isTTY: false });
  return { code, out, err };
}

const files = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

describe('facekit weights', () => {
  it('list --json: every catalogued file with embedder, canonical URL, cached?', async () => {
    const r = await cli('weights', 'list', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.cacheDir).toBe(cache);
    const byName = Object.fromEntries(j.weights.map((w: { name: string }) => [w.name, w]));
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['facenet', 'facenet512', 'openface', 'deepface']));
    expect(byName.facenet).toMatchObject({
      embedder: 'facenet',
      url: 'https://github.com/serengil/deepface_models/releases/download/v1.0/facenet_weights.h5',
      cached: false,
    });
    expect(byName.deepface.url).toMatch(/VGGFace2_DeepFace_weights_val-0\.9034\.h5\.zip$/);
    const text = await cli('weights', 'list');
    expect(text.out).toContain(cache);
    expect(text.out).toMatch(/openface\s+openface\s+missing/);
  });

  it('pull: 404 is one `facekit: E_DOWNLOAD:` line and leaves nothing; unknown names are E_UNKNOWN_MODEL', async () => {
    const r = await cli('weights', 'pull', 'openface', '--url', server.url('/missing.h5'));
    expect(r.code).toBe(1);
    expect(r.err.trim()).toMatch(/^facekit: E_DOWNLOAD: .*404/);
    expect(r.err.trim().split('\n').at(-1)).toMatch(/^facekit: E_DOWNLOAD/);
    expect(files(cache)).toEqual([]);
    expect((await cli('weights', 'pull', 'nope')).err).toMatch(/^facekit: E_UNKNOWN_MODEL: unknown weights 'nope'/);
    expect((await cli('weights', 'pull', 'openface', '--sha256', 'xyz')).err).toMatch(/^facekit: E_CONFIG: --sha256/);
  });

  it('verify offline without weights: E_WEIGHTS_MISSING naming `facekit weights pull openface`', async () => {
    process.env.FACEKIT_OFFLINE = '1';
    const img = join(root, 'gray.png');
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } })
      .png()
      .toFile(img);
    const r = await cli('verify', img, img, '--embedder', 'openface', '--no-enforce-detection');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    // The library's ways out in API terms, then the CLI's own hint: the command and the flag.
    expect(r.err.trim()).toMatch(
      /^facekit: E_WEIGHTS_MISSING: .*pull\('openface'\).*FACEKIT_CACHE_DIR.*weightsPath option \(CLI: run `facekit weights pull openface` \(while online\) or pass --weights PATH\)$/,
    );
    expect(files(cache)).toEqual([]);
  });
});

const ready = haveShared(join(kerasFixturesDir, 'openface'), 'Keras openface fixture') && haveShared(lfwDir, 'LFW');

describe.skipIf(!ready)('facekit weights pull + verify with Keras h5 weights', () => {
  let h5Path: string;
  beforeAll(() => {
    const h5 = readFixtureWeights('openface');
    h5Path = join(root, 'openface_weights.h5');
    writeFileSync(h5Path, h5);
    server.route('/openface.h5', serve(h5));
  });
  const a = lfwImage('Abdullah_Gul', 13);
  const b = lfwImage('Aaron_Eckhart', 1);

  it('verify A B --embedder openface --weights PATH: exit 0, a verdict in JSON (synthetic weights: shape only)', async () => {
    const r = await cli('verify', a, b, '--embedder', 'openface', '--weights', h5Path, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.embedder).toBe('openface');
    expect(j.metric).toBe('cosine');
    expect(typeof j.verified).toBe('boolean');
    expect(Number.isFinite(j.distance)).toBe(true);
    expect(Number.isFinite(j.threshold)).toBe(true);
    expect(files(cache)).toEqual([]); // an explicit path never touches the cache
  });

  it('pull with progress lines on a non-TTY, then list shows it cached and verify uses the cache offline', async () => {
    const r = await cli('weights', 'pull', 'openface', '--url', server.url('/openface.h5'));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/downloading openface: 0% /);
    expect(r.err).toMatch(/downloading openface: 100% \((\d+)\/\1\)/);
    expect(r.out).toMatch(/openface: downloaded to .*openface_weights\.h5/);
    expect(files(cache)).toEqual(['openface_weights.h5', 'openface_weights.h5.sha256']);
    const listed = JSON.parse((await cli('weights', 'list', '--json')).out).weights.find(
      (w: { name: string }) => w.name === 'openface',
    );
    expect(listed).toMatchObject({ cached: true, path: join(cache, 'openface_weights.h5') });
    expect(listed.size).toBeGreaterThan(1_000_000);
    const again = await cli('weights', 'pull', 'openface', '--url', server.url('/openface.h5'), '--json');
    expect(JSON.parse(again.out)).toMatchObject({ name: 'openface', downloaded: false });
    process.env.FACEKIT_OFFLINE = '1';
    const v = await cli('verify', a, b, '--embedder', 'openface', '--json');
    expect(v.code, v.err).toBe(0);
    expect(JSON.parse(v.out).embedder).toBe('openface');
    const ok = await cli('weights', 'verify');
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/openface\s+ok\s+[0-9a-f]{64}/);
    const path = join(cache, 'openface_weights.h5');
    const bytes = readFileSync(path);
    bytes[bytes.length - 9] ^= 1;
    writeFileSync(path, bytes);
    const bad = await cli('weights', 'verify', 'openface', '--json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).weights[0]).toMatchObject({ name: 'openface', status: 'mismatch' });
    expect(bad.err.trim().split('\n').at(-1)).toMatch(
      /^facekit: E_WEIGHTS_INTEGRITY: openface: changed since verified/,
    );
  });
});
