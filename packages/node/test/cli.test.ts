import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { models } from '@facekit/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import sharp from 'sharp';
import { haveShared, lfwDir, lfwImage, repoRoot } from '../../../test/utils.js';
import { main } from '../src/cli.js';
import { buildPackages } from './build.js';
import { portraitWithBystander, runBin } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'facekit-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());
const textFile = join(dir, 'a.jpg');
writeFileSync(textFile, 'not an image');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

/** Exit 1, nothing on stdout, exactly one stderr line `facekit: CODE: …`. */
function expectFailure(r: { code: number; out: string; err: string }, code: string): void {
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  const lines = r.err.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^facekit: ${code}: \\S`));
}

describe('CLI in-process: parsing and errors', () => {
  it('lists the registered models', async () => {
    const r = await cli('models');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^detectors:\n {2}blazeface /m);
    expect(r.out).toMatch(/^aligners:\n {2}2d /m);
    // One line per model; the long descriptions and provenance are in --json and the docs.
    expect(r.out).toMatch(/^ {2}dlib-resnet34 +128-D /m);
    for (const line of r.out.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(130);
    const j = await cli('models', '--json');
    const list = JSON.parse(j.out);
    expect(list.detectors.map((d: { name: string }) => d.name)).toEqual(models.detectors.list().map((d) => d.name));
    expect(list.aligners.map((d: { name: string }) => d.name)).toEqual(expect.arrayContaining(['2d', 'none']));
    expect(list.embedders.map((d: { name: string }) => d.name)).toEqual(models.embedders.list().map((d) => d.name));
  });

  it('--help and --version exit 0 on stdout', async () => {
    const h = await cli('verify', '--help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/Usage: facekit verify \[options\] <img1> <img2>/);
    expect(h.out).toMatch(/--no-enforce-detection/);
    expect(h.out).not.toMatch(/\(required\)/);
    expect(h.err).toBe('');
    // Options a command cannot run without are marked, in every subcommand's help.
    expect((await cli('enroll', '--help')).out).toMatch(/--db <file\|url>\s+\(required\) gallery:/);
    expect((await cli('bench', 'speed', '--help')).out).toMatch(/--images <dir>\s+\(required\)/);
    expect((await cli('enroll', '--help')).out).not.toMatch(/--embedder <name>\s+\(required\)/);
    const v = await cli('--version');
    expect(v).toEqual({ code: 0, out: '0.1.0\n', err: '' });
  });

  it.each([
    [[], 'E_INPUT'],
    [['verify', 'a.jpg'], 'E_INPUT'],
    [['frobnicate'], 'E_INPUT'],
    [['verify', 'a.jpg', 'b.jpg', '--bogus'], 'E_INPUT'],
    [['verify', 'a.jpg', 'b.jpg', '--threshold', 'abc'], 'E_CONFIG'],
    [['verify', 'a.jpg', 'b.jpg', '--threshold', '-1'], 'E_CONFIG'],
    [['verify', 'a.jpg', 'b.jpg', '--metric', 'manhattan'], 'E_CONFIG'],
    [['verify', 'a.jpg', 'b.jpg', '--backend', 'gpu'], 'E_CONFIG'],
    [['verify', 'a.jpg', 'b.jpg', '--embedder', 'nope'], 'E_UNKNOWN_MODEL'],
    [['verify', 'a.jpg', 'b.jpg', '--detector', 'nope', '--json'], 'E_UNKNOWN_MODEL'],
    [['verify', '/no/such/file.jpg', 'b.jpg', '--json'], 'E_IO'],
    [['represent', '/no/such/file.jpg'], 'E_IO'],
  ])('%j → exit 1, one line %s', async (argv, code) => {
    expectFailure(await cli(...argv), code);
  });

  it('bad image bytes and the pixel limit', async () => {
    expectFailure(await cli('verify', textFile, textFile, '--json'), 'E_DECODE');
    expectFailure(await cli('represent', textFile), 'E_DECODE');
  });

  it('unexpected errors are one E_INTERNAL line, no stack', async () => {
    vi.spyOn(models.embedders, 'list').mockImplementation(() => {
      throw new TypeError('something broke\n    at nowhere (x.js:1:1)');
    });
    const r = await cli('models');
    expectFailure(r, 'E_INTERNAL');
    expect(r.err).toBe('facekit: E_INTERNAL: something broke at nowhere (x.js:1:1)\n');
  });
});

describe('CLI as a child process (built bin)', () => {
  beforeAll(async () => {
    await buildPackages();
  }, 300_000);

  it('errors: exit code 1 and exactly one stderr line', async () => {
    expectFailure(await runBin(['verify', '/no/such/a.jpg', textFile]), 'E_IO');
    expectFailure(await runBin(['verify', textFile, textFile, '--json']), 'E_DECODE');
    expectFailure(await runBin(['verify', 'a.jpg']), 'E_INPUT');
  });

  it('models --json', async () => {
    const r = await runBin(['models', '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out).detectors.map((d: { name: string }) => d.name)).toContain('blazeface');
  });
});

const a = lfwImage('Abdullah_Gul', 13);
const b = lfwImage('Abdullah_Gul', 14);
const c = lfwImage('Aaron_Eckhart', 1);

/** The keys `facekit verify --json` promises. */
function expectVerifyJson(j: Record<string, unknown>): void {
  expect(Object.keys(j)).toEqual(
    expect.arrayContaining([
      'verified',
      'distance',
      'threshold',
      'metric',
      'confidence',
      'embedder',
      'detector',
      'aligner',
      'faces',
      'timeMs',
      'backend',
    ]),
  );
  const faces = j.faces as Record<string, { box: number[]; score: number; faceCount: number; chosen: string }>;
  for (const f of [faces.img1, faces.img2]) {
    expect(f.box).toHaveLength(4);
    expect(f.box.every(Number.isFinite)).toBe(true);
    expect(f.score).toBeGreaterThan(0);
    expect(f.faceCount).toBeGreaterThanOrEqual(1);
    expect(['only', 'largest']).toContain(f.chosen);
  }
  expect(typeof j.distance).toBe('number');
  expect(j.confidence as number).toBeGreaterThanOrEqual(0);
  expect(j.confidence as number).toBeLessThanOrEqual(1);
}

describe.runIf(haveShared(lfwDir, 'LFW'))('CLI on LFW images', () => {
  it('verify --json prints one JSON object; exit 0 either way', async () => {
    const s = await cli('verify', a, b, '--json');
    expect(s.code).toBe(0);
    expect(s.err).toBe('');
    expect(s.out.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(s.out);
    expectVerifyJson(j);
    expect(j).toMatchObject({ verified: true, embedder: 'dlib-resnet34', detector: 'blazeface', aligner: '2d' });
    const d = await cli('verify', a, c, '--json', '--metric', 'cosine');
    expect(d.code).toBe(0);
    expect(JSON.parse(d.out)).toMatchObject({ verified: false, metric: 'cosine' });
  });

  it('verify without --json: a short summary', async () => {
    const s = await cli('verify', a, b);
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/^SAME PERSON: distance \d+\.\d+ ≤ threshold \d+\.\d+ \([a-z0-9-]+\), confidence/);
    expect(s.out).toMatch(/img1: face at \[/);
    const d = await cli('verify', a, c, '--threshold', '0.0001');
    expect(d.out).toMatch(/^DIFFERENT PEOPLE: distance .* > threshold 0\.0001/);
  });

  it('represent --json: the embedding of the largest face', async () => {
    const s = await cli('represent', a, '--json');
    expect(s.code).toBe(0);
    const j = JSON.parse(s.out);
    expect(j.embedder).toBe('dlib-resnet34');
    expect(j.faces).toHaveLength(1);
    expect(j.faces[0].embedding).toHaveLength(j.dim);
    expect(j.faces[0].box).toHaveLength(4);
  });

  it('--no-quick-look: faceCount includes a small bystander', async () => {
    const canvas = join(dir, 'bystander.jpg');
    writeFileSync(canvas, await portraitWithBystander(a, c));
    const quick = JSON.parse((await cli('verify', canvas, b, '--json')).out);
    const full = JSON.parse((await cli('verify', canvas, b, '--json', '--no-quick-look')).out);
    expect([quick.faces.img1.faceCount, full.faces.img1.faceCount]).toEqual([1, 2]);
  });

  it('no face: E_NO_FACE by default, a verdict with --no-enforce-detection', async () => {
    const blank = join(dir, 'blank.png');
    await sharp({ create: { width: 120, height: 120, channels: 3, background: '#405060' } })
      .png()
      .toFile(blank);
    expectFailure(await cli('verify', blank, a, '--json'), 'E_NO_FACE');
    const r = await cli('verify', blank, a, '--json', '--no-enforce-detection');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).faces.img1).toMatchObject({ chosen: 'fallback', faceCount: 0, box: [0, 0, 120, 120] });
  });
});

describe.runIf(haveShared(lfwDir, 'LFW'))('the built bin on LFW images', () => {
  beforeAll(async () => {
    await buildPackages();
  }, 300_000);

  it('verify --json in a child process picks the WASM backend (or FACEKIT_BACKEND)', async () => {
    const t0 = performance.now();
    const r = await runBin(['verify', a, b, '--json']);
    const ms = performance.now() - t0;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expectVerifyJson(j);
    expect(j).toMatchObject({ verified: true, backend: 'wasm' });
    console.log(`bin verify: ${Math.round(ms)} ms wall (process start + model load), timeMs ${j.timeMs}`);
    const cpu = await runBin(['verify', a, c, '--json'], { FACEKIT_BACKEND: 'cpu' });
    expect(cpu.err).toBe(''); // no tfjs banner on stderr
    expect(JSON.parse(cpu.out)).toMatchObject({ verified: false, backend: 'cpu' });
  });
});

describe('the README command', () => {
  beforeAll(async () => {
    await buildPackages();
  }, 300_000);

  it('`facekit verify sample1.jpg sample6.jpg` (face-api demo photos) gives a verdict', async () => {
    const demo = join(repoRoot, 'node_modules', '@vladmandic', 'face-api', 'demo');
    const r = await runBin(['verify', join(demo, 'sample1.jpg'), join(demo, 'sample6.jpg')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^(SAME PERSON|DIFFERENT PEOPLE): distance /);
  });
});
