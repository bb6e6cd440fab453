// Fidelity against the Keras reference fixture (synthetic weights in deepface's exact save_weights layout, full
// size: 525.6 MiB unpacked). The .h5.gz is unpacked with streaming zlib to a temp file, loaded layer by layer
// through @facekit/keras, and deleted afterwards.
import { createReadStream, createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { type ModelContext, models } from '@facekit/core';
import { openKerasWeightsFile } from '@facekit/keras/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveShared, kerasFixturesDir } from '../../../test/utils.js';
import '../src/index.js';
import { parameterCount } from '../src/architecture.js';
import { loadDeepFaceKeras } from '../src/keras-import.js';
import type { DeepFaceModel } from '../src/model.js';
import { minCosine, relError } from './naive.js';

const fx = join(kerasFixturesDir, 'deepface');
const bin = (name: string) => {
  const b = readFileSync(join(fx, `${name}.bin`));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

describe.runIf(haveShared(join(fx, 'deepface_weights.h5.gz'), 'Keras DeepFace fixture'))(
  'DeepFace Keras import',
  () => {
    const h5 = join(tmpdir(), `facekit-deepface-${process.pid}.h5`);
    let net: DeepFaceModel;
    let baseRss = 0;

    beforeAll(async () => {
      await pipeline(createReadStream(join(fx, 'deepface_weights.h5.gz')), createGunzip(), createWriteStream(h5));
      baseRss = process.resourceUsage().maxRSS * 1024;
    });
    afterAll(() => {
      if (net && !net.weights.C1?.kernel.isDisposed) net.dispose();
      if (existsSync(h5)) rmSync(h5);
    });

    it('loads the save_weights file layer by layer, without whole-file copies', async () => {
      const t0 = performance.now();
      const kf = await openKerasWeightsFile(h5);
      try {
        expect(kf.parameterCount()).toBe(parameterCount()); // 137,774,071 stored, F8 included
        net = await loadDeepFaceKeras(kf, { label: h5 });
      } finally {
        kf.close();
      }
      const ms = performance.now() - t0;
      const peak = process.resourceUsage().maxRSS * 1024;
      console.log(
        `DeepFace load (by path, F8 skipped): ${ms.toFixed(0)} ms; maxRSS ${mib(baseRss)} MiB before → ${mib(peak)} MiB ` +
          `after (+${mib(peak - baseRss)} MiB for ${mib(4 * net.parameterCount)} MiB of weights)`,
      );
      expect(net.parameterCount).toBe(102_412_864);
      // The weights kept (391 MiB) + at most the largest layer (L4, 240 MiB) in flight twice; one more whole-file copy
      // (526 MiB) would exceed this.
      expect(peak - baseRss).toBeLessThan(1000 * 2 ** 20);
    });

    it('matches Keras on M2, C3, L4, L5, L6 and F7 (max abs err ≤ 1e-4·max|ref|, cosine ≥ 0.99999)', () => {
      const x = tf.tensor4d(bin('input'), [3, 152, 152, 3]);
      const out = net.forward(x, { outputs: ['M2', 'C3', 'L4', 'L5', 'L6', 'F7'] });
      const refs = {
        M2: 'intermediate_M2',
        C3: 'intermediate_C3',
        L4: 'intermediate_L4',
        L5: 'intermediate_L5',
        L6: 'intermediate_L6',
        F7: 'expected_output',
      } as const;
      for (const [layer, file] of Object.entries(refs)) {
        const y = out[layer as keyof typeof refs]!.dataSync();
        const ref = bin(file);
        const err = relError(y, ref);
        const cos = minCosine(y, ref, 3);
        console.log(`${layer}: max abs err / max|ref| = ${err.toExponential(2)}, min cosine = ${cos.toFixed(9)}`);
        expect(err, layer).toBeLessThanOrEqual(1e-4);
        expect(cos, layer).toBeGreaterThanOrEqual(0.99999);
      }
      tf.dispose([x, out as tf.NamedTensorMap]);
    });

    it('embeds one 152×152 face in bounded time', () => {
      const x = tf.tidy(() => tf.slice(tf.tensor4d(bin('input'), [3, 152, 152, 3]), [0], [1])) as tf.Tensor4D;
      net.predict(x).dispose(); // warm-up
      const n = 5;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const y = net.predict(x);
        y.dataSync();
        y.dispose();
      }
      const ms = (performance.now() - t0) / n;
      console.log(`DeepFace forward (1×152×152, ${tf.getBackend()}): ${ms.toFixed(0)} ms`);
      expect(ms).toBeLessThan(5000);
      x.dispose();
    });

    it("the registered 'deepface' embedder reads weightsPath through ctx.readFile and embeds 0..255 faces", async () => {
      net.dispose(); // free the first copy before building a second one
      const asked: string[] = [];
      const ctx: ModelContext = {
        files: async () => new Uint8Array(),
        weightsPath: h5,
        readFile: async (path) => {
          asked.push(path);
          const b = await readFile(path);
          return new Uint8Array(b.buffer, b.byteOffset, b.byteLength); // a view, not a copy
        },
      };
      const embedder = await models.embedders.get('deepface').create(ctx);
      try {
        expect(asked).toEqual([h5]);
        expect(embedder.dim).toBe(4096);
        const faces = tf.tidy(() => tf.mul(tf.tensor4d(bin('input'), [3, 152, 152, 3]), 255)) as tf.Tensor4D;
        const vs = await embedder.embed(faces);
        faces.dispose();
        const ref = bin('expected_output');
        const flat = new Float32Array(3 * 4096);
        for (const [i, v] of vs.entries()) flat.set(v, i * 4096);
        expect(relError(flat, ref)).toBeLessThanOrEqual(1e-4);
        expect(minCosine(flat, ref, 3)).toBeGreaterThanOrEqual(0.99999);
        console.log(`embedder via bytes: maxRSS now ${mib(process.resourceUsage().maxRSS * 1024)} MiB`);
      } finally {
        embedder.dispose();
      }
    });
  },
);
