// loadBundledGraph's checks: the declared input shape and the nodes a caller will execute, both E_WEIGHTS_FORMAT.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { modelContext } from '../../../test/utils.js';
import { loadBundledGraph } from '../src/load-graph.js';

describe('loadBundledGraph', () => {
  it('loads a bundled graph whose declared input matches, fixed or freed (anySize)', async () => {
    const fixed = await loadBundledGraph(modelContext, 'facemesh.json', [192, 192, 3]);
    expect(fixed.inputs[0].shape?.slice(1)).toEqual([192, 192, 3]);
    fixed.dispose();
    const free = await loadBundledGraph(modelContext, 'blazeface-back.json', [256, 256, 3], { anySize: true });
    expect(free.inputs[0].shape?.slice(1)).toEqual([-1, -1, 3]);
    free.dispose();
  });

  it('a file with another input shape or without a wanted node is E_WEIGHTS_FORMAT, and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    for (const anySize of [false, true]) {
      await expect(loadBundledGraph(modelContext, 'facemesh.json', [256, 256, 3], { anySize })).rejects.toMatchObject({
        code: 'E_WEIGHTS_FORMAT',
        message: expect.stringMatching(/facemesh\.json: expected input \[batch, 256, 256, 3\], got \[.*192, 192, 3\]/),
      });
    }
    await expect(
      loadBundledGraph(modelContext, 'facemesh.json', [192, 192, 3], { nodes: ['no/such/node'] }),
    ).rejects.toMatchObject({
      code: 'E_WEIGHTS_FORMAT',
      message: expect.stringMatching(/no graph node 'no\/such\/node'/),
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
