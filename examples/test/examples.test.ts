// Smoke tests of examples/: the Node script runs, the HTTP service answers, the browser page bundles.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { disposeAll } from '@facekit/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS example (checked by its own tsconfig)
import { buildPage } from '../browser/build.mjs';
// @ts-expect-error plain JS example (checked by its own tsconfig)
import { createVerifyServer } from '../http-service/server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const demo = join(root, 'node_modules/@vladmandic/face-api/demo');
const sample1 = join(demo, 'sample1.jpg');
const sample6 = join(demo, 'sample6.jpg');

describe('examples/node-verify', () => {
  // The script imports @facekit/node's dist/ (built by `npm ci`'s prepare), as a user's script would.
  const built = existsSync(join(root, 'packages/node/dist/index.js'));
  it.runIf(built || process.env.CI)('verifies the two sample photos and prints the result as JSON', () => {
    const r = spawnSync(process.execPath, [join(root, 'examples/node-verify/verify.mjs')], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(typeof result.verified).toBe('boolean');
    expect(result.distance).toBeGreaterThanOrEqual(0);
    expect(result.embedder).toBe('dlib-resnet34');
    expect(r.stderr).toMatch(/same person|different people/);
  });

  it.runIf(built || process.env.CI)('exits 1 with the FaceKitError code for a bad input', () => {
    const r = spawnSync(process.execPath, [join(root, 'examples/node-verify/verify.mjs'), 'missing.jpg', sample6], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^E_IO: /m);
  });
});

describe('examples/http-service', () => {
  let base = '';
  let server: import('node:http').Server;
  beforeAll(async () => {
    server = createVerifyServer({ maxBodyBytes: 2_000_000, log: () => {} });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((ok) => server.close(ok));
    disposeAll();
  });

  const form = (a: Uint8Array, b: Uint8Array) => {
    const f = new FormData();
    f.append('img1', new Blob([a], { type: 'image/jpeg' }), 'a.jpg');
    f.append('img2', new Blob([b], { type: 'image/jpeg' }), 'b.jpg');
    return f;
  };

  it('verifies two uploaded photos and returns the verify JSON', async () => {
    const res = await fetch(`${base}/verify`, {
      method: 'POST',
      body: form(readFileSync(sample1), readFileSync(sample6)),
    });
    const json = await res.json();
    expect(res.status, JSON.stringify(json)).toBe(200);
    expect(json).toMatchObject({ embedder: 'dlib-resnet34', metric: expect.any(String) });
    expect(typeof json.verified).toBe('boolean');
    expect(json.faces.img1.box.width).toBeGreaterThan(0);
  });

  it('maps FaceKitError codes to 4xx', async () => {
    const text = new TextEncoder().encode('not an image');
    const bad = await fetch(`${base}/verify`, { method: 'POST', body: form(text, readFileSync(sample6)) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('E_DECODE');

    const unknown = await fetch(`${base}/verify?embedder=nope`, {
      method: 'POST',
      body: form(readFileSync(sample1), readFileSync(sample6)),
    });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.code).toBe('E_UNKNOWN_MODEL');
  });

  it('an embedder whose weights are not on the server: 503 with the way to fix it, not a 500', async () => {
    const saved = { cache: process.env.FACEKIT_CACHE_DIR, offline: process.env.FACEKIT_OFFLINE };
    process.env.FACEKIT_CACHE_DIR = mkdtempSync(join(tmpdir(), 'facekit-http-cache-'));
    process.env.FACEKIT_OFFLINE = '1';
    try {
      const res = await fetch(`${base}/verify?embedder=facenet`, {
        method: 'POST',
        body: form(readFileSync(sample1), readFileSync(sample6)),
      });
      expect(res.status).toBe(503);
      const { error } = await res.json();
      expect(error.code).toBe('E_WEIGHTS_MISSING');
      expect(error.message).toContain("pull('facenet')"); // the library speaks of the API, not of CLI commands
      expect(error.message).toContain('FACEKIT_CACHE_DIR');
    } finally {
      rmSync(process.env.FACEKIT_CACHE_DIR, { recursive: true, force: true });
      for (const [k, v] of [
        ['FACEKIT_CACHE_DIR', saved.cache],
        ['FACEKIT_OFFLINE', saved.offline],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('enforces the body limit and the request shape', async () => {
    const big = new Uint8Array(2_100_000);
    const tooBig = await fetch(`${base}/verify`, { method: 'POST', body: form(big, big) });
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json()).error.code).toBe('E_BODY_TOO_LARGE');

    const json = await fetch(`${base}/verify`, { method: 'POST', body: '{}', headers: { 'content-type': 'x/json' } });
    expect(json.status).toBe(415);
    const missing = new FormData();
    missing.append('img1', new Blob([readFileSync(sample1)]), 'a.jpg');
    const oneFile = await fetch(`${base}/verify`, { method: 'POST', body: missing });
    expect(oneFile.status).toBe(400);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('refuses images over the pixel limit from the header (413 E_IMAGE_TOO_LARGE)', async () => {
    const small = createVerifyServer({ maxPixels: 10_000, log: () => {} });
    await new Promise<void>((ok) => small.listen(0, '127.0.0.1', ok));
    try {
      const url = `http://127.0.0.1:${(small.address() as AddressInfo).port}/verify`;
      const res = await fetch(url, { method: 'POST', body: form(readFileSync(sample1), readFileSync(sample6)) });
      expect(res.status).toBe(413);
      expect((await res.json()).error.code).toBe('E_IMAGE_TOO_LARGE');
    } finally {
      await new Promise((ok) => small.close(ok));
    }
  });
});

describe('examples/browser', () => {
  it('bundles the page against @facekit/web (no missing exports)', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'facekit-browser-example-'));
    try {
      const { bytes } = await buildPage({ outdir, assets: false, source: true });
      expect(bytes).toBeGreaterThan(100_000); // tfjs-core + the models' code, not an empty stub
      const js = readFileSync(join(outdir, 'main.js'), 'utf8');
      expect(js).toContain('./models/');
      expect(readFileSync(join(outdir, 'index.html'), 'utf8')).toContain('./main.js');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
