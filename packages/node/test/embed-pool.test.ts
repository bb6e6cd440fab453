// The embedding pool against serial represent(): same vectors, per-image errors, input order, abort, disposal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveShared, lfwDir, lfwImage, repoRoot } from '../../../test/utils.js';
import { EmbedPool } from '../src/entries/advanced.js';
import { disposeAll, type RepresentManyResult, represent, representMany } from '../src/index.js';
import { buildPackages } from './build.js';
import { expectCode } from './helpers.js';

const hasLfw = haveShared(lfwDir, 'LFW (embedding pool tests)');
// Real worker threads need the built worker (dist/embed-worker.js): build the package (turbo, cached).
const worker = join(repoRoot, 'packages', 'node', 'dist', 'embed-worker.js');
beforeAll(async () => {
  await buildPackages();
}, 300_000);
afterAll(() => disposeAll());

async function collect(it: AsyncIterable<RepresentManyResult>): Promise<RepresentManyResult[]> {
  const out: RepresentManyResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe.skipIf(!hasLfw)('EmbedPool / representMany', () => {
  const people = ['Aaron_Eckhart', 'Colin_Powell', 'George_W_Bush', 'Tony_Blair', 'Serena_Williams'];
  const paths = people.map((p) => lfwImage(p, 1));
  let blank: Buffer;
  let inputs: Array<string | Uint8Array>;

  beforeAll(async () => {
    // A flat grey image (decodes, holds no face) and bytes that are no image at all.
    blank = await sharp({ create: { width: 160, height: 160, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    inputs = [paths[0], Buffer.from('not an image'), paths[1], blank, readFileSync(paths[2]), paths[3], paths[4]];
  });

  it('gives serial represent() results, in input order, with per-image errors that stop nothing', async () => {
    const serial: Array<Float32Array | string> = [];
    for (const input of inputs) {
      try {
        serial.push((await represent(input))[0].embedding.vector);
      } catch (e) {
        serial.push((e as { code: string }).code);
      }
    }
    expect(serial.filter((s) => typeof s === 'string')).toEqual(['E_DECODE', 'E_NO_FACE']);

    const progress: number[] = [];
    const pooled = await collect(
      representMany(inputs, { concurrency: 2, worker, onProgress: (done, total) => progress.push(done * 100 + total) }),
    );
    expect(pooled.map((r) => r.index)).toEqual(inputs.map((_, i) => i));
    expect(progress).toEqual(inputs.map((_, i) => (i + 1) * 100 + inputs.length));
    pooled.forEach((r, i) => {
      expect(r.input).toBe(inputs[i]);
      const want = serial[i];
      if (typeof want === 'string') {
        expect(r.error?.code).toBe(want);
        return;
      }
      expect(r.error).toBeUndefined();
      const got = r.representations![0].embedding.vector;
      expect(got.length).toBe(want.length);
      let maxDiff = 0;
      for (let j = 0; j < got.length; j++) maxDiff = Math.max(maxDiff, Math.abs(got[j] - want[j]));
      expect(maxDiff).toBeLessThanOrEqual(1e-6);
    });
  }, 180_000);

  it('runs in this thread with concurrency 0 and frees every tensor on destroy()', async () => {
    const before = tf.memory().numTensors;
    const pool = new EmbedPool({ concurrency: 0 });
    const rs = await collect(pool.representMany([paths[0], blank], { enforceDetection: false }));
    expect(rs.map((r) => r.error)).toEqual([undefined, undefined]);
    expect(rs[0].representations![0].embedding.vector).toEqual((await represent(paths[0]))[0].embedding.vector);
    await pool.destroy();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('draws an async iterable of inputs lazily, in order', async () => {
    const pool = new EmbedPool({ concurrency: 0 });
    let drawn = 0;
    async function* source() {
      for (const input of [paths[0], Buffer.from('not an image'), paths[1]]) {
        drawn++;
        yield input;
      }
    }
    const seen: Array<[number, number, string | undefined]> = [];
    try {
      for await (const r of pool.representMany(source())) seen.push([r.index, drawn, r.error?.code]);
    } finally {
      await pool.destroy();
    }
    // One image in flight in this thread: each result arrives before the next input is drawn.
    expect(seen).toEqual([
      [0, 1, undefined],
      [1, 2, 'E_DECODE'],
      [2, 3, undefined],
    ]);
  }, 120_000);

  it('stops on abort with E_ABORTED, and its workers end', async () => {
    const ac = new AbortController();
    const pool = new EmbedPool({ concurrency: 2, worker });
    const seen: number[] = [];
    await expectCode(async () => {
      for await (const r of pool.representMany([...paths, ...paths], { signal: ac.signal })) {
        seen.push(r.index);
        ac.abort();
      }
    }, 'E_ABORTED');
    expect(seen).toEqual([0]);
    await pool.destroy(); // resolves: no thread left to keep the process alive
    expect(pool.concurrency).toBe(2);
  }, 120_000);

  it('fails the whole run, before any image, on a pipeline that cannot be built', async () => {
    await expectCode(collect(representMany(paths, { embedder: 'no-such-embedder', worker })), 'E_UNKNOWN_MODEL');
    await expectCode(collect(representMany([paths[0]], { concurrency: -1 })), 'E_CONFIG');
  });
});
