// Load and leaks: a short `facekit bench soak`, 8 concurrent verify() calls on one pipeline equal the serial
// results exactly, and cancellation through AbortSignal mid-call frees every tensor.
import { join } from 'node:path';
import { disposeAll, isFaceKitError, type NodeVerifyResult, verify } from '@facekit/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { haveShared, lfwDir, lfwImage } from '../../../test/utils.js';
import type { SoakReport } from '../src/bench/soak.js';
import { main } from '../src/cli.js';

afterAll(() => disposeAll());

const pairs: Array<[string, string]> = [
  [lfwImage('Abdullah_Gul', 13), lfwImage('Abdullah_Gul', 14)],
  [lfwImage('Abdullah_Gul', 13), lfwImage('Aaron_Eckhart', 1)],
  [lfwImage('Aaron_Eckhart', 1), lfwImage('Abdullah_Gul', 14)],
  [lfwImage('Abdullah_Gul', 14), lfwImage('Abdullah_Gul', 13)],
];

const evidence = (r: NodeVerifyResult) => ({ verified: r.verified, distance: r.distance, faces: r.faces });

describe.runIf(haveShared(lfwDir, 'LFW'))('load and leaks', () => {
  it('facekit bench soak --calls 20: numTensors and RSS plateau', async () => {
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: () => undefined };
    const images = join(lfwDir, 'images');
    const argv = ['bench', 'soak', '--calls', '20', '--images', images, '--limit', '6', '--samples', '10', '--json'];
    expect(await main(argv, io)).toBe(0);
    const r = JSON.parse(out.join('')) as SoakReport;
    expect(r.calls).toBe(20);
    expect(r.samples.length).toBe(10);
    expect(r.tensors.plateau, JSON.stringify(r.tensors)).toBe(true);
    expect(r.rss.plateau, JSON.stringify(r.rss)).toBe(true);
    expect(r.verified).toBeGreaterThan(0);
  });

  it('8 concurrent verify() calls on a shared pipeline give exactly the serial results', async () => {
    const calls = [...pairs, ...pairs];
    const serial: NodeVerifyResult[] = [];
    for (const [a, b] of calls) serial.push(await verify(a, b));
    const before = tf.memory().numTensors;
    // The top-level API shares one cached pipeline (one set of models) between all calls.
    const together = await Promise.all(calls.map(([a, b]) => verify(a, b)));
    expect(together.map(evidence)).toEqual(serial.map(evidence));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('AbortSignal mid-call: E_ABORTED, and numTensors back to the baseline', async () => {
    const [a, b] = pairs[0];
    await verify(a, b); // models loaded
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    await verify(a, b);
    const callMs = performance.now() - t0;
    const outcomes: string[] = [];
    // Abort at points spread over a call's duration: during decoding, detection, landmarks, embedding.
    for (const f of [0, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 0.95]) {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), f * callMs);
      const r = await verify(a, b, { signal: ac.signal }).then(
        () => 'done',
        (e: unknown) => (isFaceKitError(e) ? e.code : String(e)),
      );
      clearTimeout(timer);
      outcomes.push(r);
      expect(tf.memory().numTensors, `after aborting at ${f} of a call`).toBe(before);
    }
    expect(
      outcomes.every((o) => o === 'done' || o === 'E_ABORTED'),
      outcomes.join(),
    ).toBe(true);
    expect(outcomes.filter((o) => o === 'E_ABORTED').length, outcomes.join()).toBeGreaterThanOrEqual(3);
  });
});
