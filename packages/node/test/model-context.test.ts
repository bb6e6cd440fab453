import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledModelsDir, folderFileLoader, nodeModelContext, weightsResolver } from '../src/model-context.js';
import { expectCode } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'facekit-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model files', () => {
  it('finds the @facekit/models folder', () => {
    const folder = bundledModelsDir();
    expect(folder).toBe(resolve('packages/models/models'));
    expect(existsSync(join(folder, 'blazeface-back.json'))).toBe(true);
  });

  it('reads files inside the folder and refuses paths that escape it', async () => {
    const root = join(dir, 'models');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'sub', 'a.bin'), Buffer.from([1, 2, 3]));
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'));
    const files = folderFileLoader(root);
    expect(Array.from(await files('sub/a.bin'))).toEqual([1, 2, 3]);
    for (const bad of ['../secret.txt', 'sub/../../secret.txt', '/etc/passwd', 'file:///etc/passwd', 'sub\\a.bin']) {
      await expectCode(files(bad), 'E_WEIGHTS_FORMAT');
    }
    await expectCode(files('link.txt'), 'E_WEIGHTS_FORMAT'); // a symlink out of the folder
    await expectCode(files('sub/missing.bin'), 'E_WEIGHTS_MISSING');
    await expectCode(files('sub'), 'E_IO'); // a folder is not a file
  });

  it('resolves unbundled weights from an explicit path or the cache folder, never from elsewhere', async () => {
    const cache = join(dir, 'cache');
    mkdirSync(cache);
    writeFileSync(join(cache, 'facenet.h5'), Buffer.from([9, 9]));
    writeFileSync(join(cache, 'deepface'), Buffer.from([8]));
    writeFileSync(join(dir, 'explicit.h5'), Buffer.from([7]));
    const weights = weightsResolver(cache);
    expect(Array.from(await weights('facenet'))).toEqual([9, 9]);
    expect(Array.from(await weights('facenet.h5'))).toEqual([9, 9]);
    expect(Array.from(await weights('deepface'))).toEqual([8]);
    expect(Array.from(await weights('facenet.h5', { path: join(dir, 'explicit.h5') }))).toEqual([7]);
    await expectCode(weights('openface'), 'E_WEIGHTS_MISSING');
    await expectCode(weights('x', { path: join(dir, 'nope.h5') }), 'E_IO');
    await expectCode(weights('../secret.txt'), 'E_WEIGHTS_FORMAT');
    // No cache folder at all (a fresh machine): still a clean E_WEIGHTS_MISSING.
    await expectCode(weightsResolver(join(dir, 'no-such-folder'))('facenet.h5'), 'E_WEIGHTS_MISSING');
  });

  it('builds a ModelContext with the bundled files and an absolute weightsPath', async () => {
    const ctx = nodeModelContext({ weightsPath: 'rel/w.h5' });
    expect(ctx.weightsPath).toBe(resolve('rel/w.h5'));
    expect((await ctx.files('blazeface-back.json')).byteLength).toBeGreaterThan(1000);
    expect(typeof ctx.weights).toBe('function');
    expect((await ctx.readFile?.(resolve('packages/node/package.json')))?.byteLength).toBeGreaterThan(100);
    await expectCode(ctx.readFile?.('/no/such/weights.h5') ?? Promise.resolve(), 'E_IO');
    expect(nodeModelContext().weightsPath).toBeUndefined();
  });
});
