import { type Embedding, type FaceKitError, type FaceKitErrorCode, isFaceKitError, seededRandom } from '@facekit/core';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import sharp from 'sharp';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect } from 'vitest';
import { repoRoot } from '../../../test/utils.js';
import { pngBomb } from './corpus/make.js';

const execFileP = promisify(execFile);
const bin = join(repoRoot, 'packages', 'node', 'bin', 'facekit.mjs');

/** The real `facekit` bin in a child process (needs the build: see build.ts). */
export async function runBin(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [bin, ...argv], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

/** Awaits `p` and checks that it rejected with a FaceKitError of `code`; returns the error. */
export async function expectCode(p: Promise<unknown> | (() => unknown), code: FaceKitErrorCode): Promise<FaceKitError> {
  const e = await (async () => (typeof p === 'function' ? p() : p))().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isFaceKitError(e), `expected a FaceKitError ${code}, got ${String(e)}`).toBe(true);
  expect((e as { code: string }).code, String((e as Error).message)).toBe(code);
  return e as FaceKitError;
}

/** A PNG whose header claims width × height but whose one IDAT chunk holds only 100 bytes of pixel data. */
export const pngHeaderOnly = (width: number, height: number): Buffer => pngBomb(width, height, 100);

/** n seeded random vectors (components uniform in [-0.5, 0.5)) labelled with `embedder`. */
export function randomEmbeddings(n: number, dim: number, seed: number, embedder = 'toy'): Embedding[] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, () => ({
    vector: Float32Array.from({ length: dim }, () => rand() - 0.5),
    embedder,
  }));
}

/**
 * A 250² portrait at full size and, beside it, another photo shrunk to 55 px (its face ~25 px), as JPEG: BlazeFace's
 * 160² quick look misses the small face, its 256² look finds it (score 0.83 for Aaron_Eckhart_0001; 0.68–0.91 for
 * the other LFW faces tried at 45–55 px).
 */
export async function portraitWithBystander(portrait: string, bystander: string): Promise<Buffer> {
  return sharp({ create: { width: 330, height: 250, channels: 3, background: '#c0c0c0' } })
    .composite([
      { input: await sharp(portrait).toBuffer(), left: 0, top: 0 },
      { input: await sharp(bystander).resize(55, 55).toBuffer(), left: 255, top: 10 },
    ])
    .jpeg({ quality: 95 })
    .toBuffer();
}

/**
 * For the current suite: bundles a child-process entry beside these tests (`<entry>.ts`, from source) into a fresh
 * folder of the repo's ignored .tmp/ (so that its external packages resolve from node_modules) before it runs, and
 * removes the folder after. Returns the bundle's path, to run with `process.execPath`.
 */
export function useChildBundle(entry: string, prefix: string): string {
  mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
  const work = mkdtempSync(join(repoRoot, '.tmp', prefix));
  const child = join(work, 'child.mjs');
  beforeAll(async () => {
    const { build } = await import('esbuild');
    await build({
      entryPoints: [join(dirname(fileURLToPath(import.meta.url)), `${entry}.ts`)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: child,
      conditions: ['@facekit/source'],
      external: ['better-sqlite3', 'usearch', 'pg', 'sharp', '@tensorflow/*'],
      logLevel: 'error',
    });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  return child;
}

/**
 * For the current suite: a real PostgreSQL wire-protocol endpoint on loopback, PGlite (Postgres in WASM) with
 * pgvector behind a socket server taking `maxConnections` connections, started before it and stopped after. Read
 * `url` (and `db`, the PGlite instance itself) inside the tests.
 */
export function usePglite(maxConnections = 4): { readonly url: string; readonly db: PGlite } {
  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  let url: string | undefined;
  beforeAll(async () => {
    // Loaded here, not at the top: most tests that use these helpers need no database.
    const { PGlite } = await import('@electric-sql/pglite');
    const { vector } = await import('@electric-sql/pglite-pgvector');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    db = await PGlite.create({ extensions: { vector } });
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    await server.start();
    url = `postgres://postgres@${server.getServerConn()}/postgres`;
  });
  afterAll(async () => {
    await server?.stop();
    await db?.close();
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('usePglite: read url and db inside the tests, once the suite has started');
    return v;
  };
  return {
    get url() {
      return started(url);
    },
    get db() {
      return started(db);
    },
  };
}

/**
 * Runs `node <args>` (a child bundled by `useChildBundle`) collecting its stdout lines; once `killWhen(lines)` holds,
 * SIGKILLs it a random 0…`jitterMs` ms later, so the kill lands at an arbitrary point of its work. Resolves when it
 * exits, with the complete lines (plus a last unterminated one when it was not killed) and its stderr.
 */
export function runChildLines(
  args: string[],
  killWhen: (lines: readonly string[]) => boolean = () => false,
  jitterMs = 15,
): Promise<{ killed: boolean; code: number | null; lines: string[]; err: string }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buf = '';
    let err = '';
    let killing = false;
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.stdout.on('data', (d) => {
      buf += d;
      const parts = buf.split('\n');
      buf = parts.pop()!;
      lines.push(...parts);
      if (!killing && killWhen(lines)) {
        killing = true;
        setTimeout(() => p.kill('SIGKILL'), Math.random() * jitterMs);
      }
    });
    p.on('error', fail);
    p.on('exit', (code, signal) => {
      const killed = signal === 'SIGKILL';
      done({ killed, code, lines: killed || !buf ? lines : [...lines, buf], err });
    });
  });
}
