import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createEnsureBackend } from '../src/index.js';

// The test setup already activated a backend: `auto` keeps it; other names go through `activate`.
describe('createEnsureBackend', () => {
  it('auto keeps the active backend without activating anything', async () => {
    const activated: string[] = [];
    const ensure = createEnsureBackend(['a', 'b'], async (name) => {
      activated.push(name);
    });
    expect(await ensure('auto')).toBe(tf.getBackend());
    expect(activated).toEqual([]);
  });

  it('a failed activation is rejected and not cached; auto after it keeps the running backend', async () => {
    let calls = 0;
    const ensure = createEnsureBackend(['gone'], async () => {
      calls++;
      throw new Error('not installed');
    });
    await expect(ensure('gone')).rejects.toThrow('not installed');
    await expect(ensure('gone')).rejects.toThrow('not installed');
    expect(calls).toBe(2);
    expect(await ensure('auto')).toBe(tf.getBackend());
  });

  it('an explicit name that is already active is not activated again', async () => {
    const running = tf.getBackend();
    const ensure = createEnsureBackend([running], async () => {
      throw new Error('should not be called');
    });
    expect(await ensure(running)).toBe(running);
  });
});
