// Hostile model and weight files given by path: a model.json whose shards escape its folder, missing or truncated
// shards, absurd shapes, malformed specs, hostile h5 weights through the public API. Each is refused with a clear
// FaceKitError, without allocating what the file claims and without writing anything anywhere.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FaceKitErrorCode, represent } from '@facekit/node';
import { graphModelHandler, loadWeightsManifest } from '@facekit/node/advanced';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildKerasH5, denseLayer } from '../../keras/test/h5-builder.js';
import { folderFileLoader } from '../src/model-context.js';
import { expectCode } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'facekit-hostile-'));
const models = join(root, 'models');
const home = join(root, 'home');
mkdirSync(join(models, 'sub'), { recursive: true });
mkdirSync(home);
writeFileSync(join(root, 'secret.bin'), Buffer.alloc(16, 7));
symlinkSync(join(root, 'secret.bin'), join(models, 'link.bin'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every file under a folder with its size and mtime: to prove nothing was written. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => {
      const s = statSync(join(dir, p));
      return `${p}:${s.size}:${s.mtimeMs}`;
    })
    .sort();
}

let savedHome: string | undefined;
beforeEach(() => {
  savedHome = process.env.FACEKIT_HOME;
  process.env.FACEKIT_HOME = home; // the weights cache lives here during these tests
});
afterEach(() => {
  if (savedHome === undefined) delete process.env.FACEKIT_HOME;
  else process.env.FACEKIT_HOME = savedHome;
});

/** Runs `fn` and checks that it wrote nothing: not beside the hostile files, not in the cache, not in tmp. */
function noWrites(fn: () => Promise<unknown>): () => Promise<unknown> {
  return async () => {
    const before = snapshot(root);
    try {
      return await fn();
    } finally {
      expect(snapshot(root), 'nothing written beside the hostile files or in the cache').toEqual(before);
    }
  };
}

const files = folderFileLoader(models);
const f32 = (name: string, shape: number[]) => ({ name, shape, dtype: 'float32' });

/** Writes sub/model.json with this manifest (and a 16-byte shard `sub/w.bin`), loads it as a graph model. */
function graph(manifest: unknown, bin: Buffer = Buffer.alloc(16)): () => Promise<unknown> {
  writeFileSync(join(models, 'sub', 'w.bin'), bin);
  writeFileSync(
    join(models, 'sub', 'model.json'),
    JSON.stringify({ modelTopology: { node: [] }, weightsManifest: manifest }),
  );
  return noWrites(async () => graphModelHandler(files, 'sub/model.json').load!());
}

const group = (paths: string[], weights: unknown[]) => [{ paths, weights }];

describe('model.json / weights manifest given by path', () => {
  it('a well-formed model loads (the fixtures are right)', async () => {
    const a = await graph(group(['w.bin'], [f32('x', [4])]))();
    expect((a as tf.io.ModelArtifacts).weightData).toBeDefined();
  });

  it.each<[string, unknown, FaceKitErrorCode, RegExp]>([
    ['a shard path escaping the folder', group(['../../secret.bin'], [f32('x', [4])]), 'E_WEIGHTS_FORMAT', /escapes/],
    ['an absolute shard path', group([join(root, 'secret.bin')], [f32('x', [4])]), 'E_WEIGHTS_FORMAT', /escapes/],
    ['a URL shard path', group(['file:///etc/passwd'], [f32('x', [4])]), 'E_WEIGHTS_FORMAT', /escapes/],
    [
      'a shard that is a symlink out of the folder',
      group(['../link.bin'], [f32('x', [4])]),
      'E_WEIGHTS_FORMAT',
      /escapes/,
    ],
    ['a missing shard', group(['nope.bin'], [f32('x', [4])]), 'E_WEIGHTS_MISSING', /not found/],
    ['a truncated shard (16 of 32 bytes)', group(['w.bin'], [f32('x', [8])]), 'E_WEIGHTS_FORMAT', /hold 16 bytes/],
    ['a shape of 2^28 × 2^28', group(['w.bin'], [f32('x', [2 ** 28, 2 ** 28])]), 'E_WEIGHTS_FORMAT', /describes/],
    [
      'a shape above 2^28 in one dimension',
      group(['w.bin'], [f32('x', [2 ** 40])]),
      'E_WEIGHTS_FORMAT',
      /invalid shape/,
    ],
    ['a negative dimension', group(['w.bin'], [f32('x', [-4])]), 'E_WEIGHTS_FORMAT', /invalid shape/],
    ['a null weight spec', group(['w.bin'], [null]), 'E_WEIGHTS_FORMAT', /no name or dtype/],
    ['an unknown dtype', group(['w.bin'], [{ ...f32('x', [4]), dtype: 'complex64' }]), 'E_WEIGHTS_FORMAT', /dtype/],
    ['a string dtype', group(['w.bin'], [{ ...f32('x', [4]), dtype: 'string' }]), 'E_WEIGHTS_FORMAT', /dtype/],
    ['a manifest that is not a list', { paths: ['w.bin'] }, 'E_WEIGHTS_FORMAT', /malformed/],
  ])('%s → %s', async (_what, manifest, code, match) => {
    const mem0 = process.memoryUsage().arrayBuffers;
    const e = await expectCode(graph(manifest), code);
    expect(e.message).toMatch(match);
    expect(process.memoryUsage().arrayBuffers - mem0).toBeLessThan(64 * 2 ** 20);
  });

  it('a model.json outside the folder, or not JSON', async () => {
    await expectCode(async () => graphModelHandler(files, '../model.json').load!(), 'E_WEIGHTS_FORMAT');
    writeFileSync(join(models, 'bad.json'), '{"modelTopology": ');
    await expectCode(async () => graphModelHandler(files, 'bad.json').load!(), 'E_WEIGHTS_FORMAT');
    rmSync(join(models, 'bad.json'));
  });

  it('a raw weights manifest: the same checks, no tensor left behind', async () => {
    const n = tf.memory().numTensors;
    writeFileSync(join(models, 'sub', 'w.bin'), Buffer.alloc(16));
    writeFileSync(join(models, 'sub', 'm.json'), JSON.stringify(group(['../link.bin'], [f32('x', [4])])));
    await expectCode(loadWeightsManifest(files, 'sub/m.json'), 'E_WEIGHTS_FORMAT');
    writeFileSync(join(models, 'sub', 'm.json'), JSON.stringify(group(['w.bin'], [f32('x', [5])])));
    await expectCode(loadWeightsManifest(files, 'sub/m.json'), 'E_WEIGHTS_FORMAT');
    writeFileSync(join(models, 'sub', 'm.json'), JSON.stringify(group(['w.bin'], [f32('x', [4])])));
    const ok = await loadWeightsManifest(files, 'sub/m.json');
    tf.dispose(Object.values(ok));
    expect(tf.memory().numTensors).toBe(n);
  });
});

describe('hostile Keras weights through the public API (weightsPath)', () => {
  const image = tf.zeros([32, 32, 3], 'int32') as tf.Tensor3D;
  afterAll(() => image.dispose());
  const embed = (weightsPath: string, embedder = 'facenet') =>
    noWrites(() => represent(image, { embedder, weightsPath, enforceDetection: false }));

  it.each(['facenet', 'deepface'])('%s: claimed 10^12 elements, truncated, wrong network, not h5', async (embedder) => {
    const n = tf.memory().numTensors;
    const huge = join(root, `${embedder}-huge.h5`);
    writeFileSync(huge, await buildKerasH5([denseLayer({ claim: [1_000_000, 1_000_000] })]));
    const mem0 = process.memoryUsage();
    await expectCode(embed(huge, embedder), 'E_WEIGHTS_FORMAT');
    // Refused from the h5 metadata: nothing near the claimed 4 TB was allocated.
    expect(process.memoryUsage().arrayBuffers - mem0.arrayBuffers).toBeLessThan(256 * 2 ** 20);
    const valid = await buildKerasH5([denseLayer()]);
    const cut = join(root, `${embedder}-cut.h5`);
    writeFileSync(cut, valid.subarray(0, valid.length >> 1));
    await expectCode(embed(cut, embedder), 'E_WEIGHTS_FORMAT');
    const text = join(root, `${embedder}.h5`);
    writeFileSync(text, '<html>not weights</html>');
    await expectCode(embed(text, embedder), 'E_WEIGHTS_FORMAT');
    await expectCode(embed(join(root, 'missing.h5'), embedder), 'E_IO');
    await expectCode(embed(root, embedder), 'E_IO'); // a folder
    for (const p of [huge, cut, text]) rmSync(p);
    expect(tf.memory().numTensors).toBe(n);
  });
});
