// 200 verify() calls on real LFW images: decoded tensors and intermediates are all disposed.
import { disposeAll, verify } from '@facekit/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { haveShared, lfwDir, lfwImage, readPairs } from '../../../test/utils.js';

afterAll(() => disposeAll());

describe.runIf(haveShared(lfwDir, 'LFW'))('memory', () => {
  it('200 verify() calls leave tf.memory().numTensors unchanged', async () => {
    // 20 DevTest pairs (10 same, 10 different), cycled.
    const pairs = await readPairs(`${lfwDir}/pairsDevTest.txt`);
    const picked = [...pairs.slice(0, 10), ...pairs.slice(500, 510)].map((p) => [lfwImage(...p.a), lfwImage(...p.b)]);
    // The default models (BlazeFace, FaceMesh, 2D, dlib ResNet-34): ≈ 0.1 s of CPU per call on wasm.
    const options = {} as const;
    await verify(picked[0][0], picked[0][1], options); // loads the models
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    let verified = 0;
    for (let i = 0; i < 200; i++) {
      const [a, b] = picked[i % picked.length];
      const r = await verify(a, b, { ...options, enforceDetection: false });
      if (r.verified) verified++;
      if (i % 50 === 49) expect(tf.memory().numTensors).toBe(before);
    }
    const ms = (performance.now() - t0) / 200;
    console.log(`memory test: 200 verify() calls, ${ms.toFixed(1)} ms each on ${tf.getBackend()}`);
    expect(tf.memory().numTensors).toBe(before);
    expect(verified).toBeGreaterThan(0);
    expect(verified).toBeLessThan(200);
  });
});
