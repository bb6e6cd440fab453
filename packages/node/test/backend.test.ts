import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { activeBackend, ensureBackend, parseBackend } from '../src/backend.js';
import { expectCode } from './helpers.js';

// The test setup already chose FACEKIT_TEST_BACKEND (default wasm): `auto` must keep it.
const harness = process.env.FACEKIT_TEST_BACKEND ?? 'wasm';

afterEach(async () => {
  delete process.env.FACEKIT_BACKEND;
  await tf.setBackend(harness);
});

describe('backend', () => {
  it('auto keeps the backend the program already chose and reports it', async () => {
    expect(await ensureBackend()).toBe(harness);
    expect(await ensureBackend('auto')).toBe(harness);
    expect(activeBackend()).toBe(harness);
  });

  it('an explicit name switches; tensors made before stay readable', async () => {
    const t = tf.tensor1d([1, 2, 3]);
    const other = harness === 'cpu' ? 'wasm' : 'cpu';
    expect(await ensureBackend(other)).toBe(other);
    expect(tf.getBackend()).toBe(other);
    expect(Array.from(await tf.add(t, 1).data())).toEqual([2, 3, 4]);
    process.env.FACEKIT_BACKEND = harness;
    expect(await ensureBackend()).toBe(harness);
    t.dispose();
  });

  it('tfjs-node requested but not installed is E_BACKEND, and the active backend survives', async () => {
    const e = await expectCode(ensureBackend('tensorflow'), 'E_BACKEND');
    expect(e.message).toMatch(/tfjs-node/);
    expect(tf.getBackend()).toBe(harness);
    expect(await ensureBackend()).toBe(harness); // the failure was not cached as the backend
  });

  it('names: aliases accepted, unknown names are E_CONFIG (option and FACEKIT_BACKEND)', async () => {
    expect(parseBackend('node')).toBe('tensorflow');
    expect(parseBackend(' WASM ')).toBe('wasm');
    await expectCode(ensureBackend('gpu'), 'E_CONFIG');
    process.env.FACEKIT_BACKEND = 'bogus';
    const e = await expectCode(ensureBackend(), 'E_CONFIG');
    expect(e.message).toMatch(/FACEKIT_BACKEND/);
  });
});
