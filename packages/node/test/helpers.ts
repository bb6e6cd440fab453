import { type FaceKitErrorCode, isFaceKitError } from '@facekit/core';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';
import { expect } from 'vitest';
import { repoRoot } from '../../../test/utils.js';

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
export async function expectCode(p: Promise<unknown> | (() => unknown), code: FaceKitErrorCode): Promise<Error> {
  const e = await (async () => (typeof p === 'function' ? p() : p))().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isFaceKitError(e), `expected a FaceKitError ${code}, got ${String(e)}`).toBe(true);
  expect((e as { code: string }).code, String((e as Error).message)).toBe(code);
  return e as Error;
}

/** A PNG whose header claims width × height but whose one IDAT chunk holds only 100 bytes of pixel data. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    sig,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(100))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
