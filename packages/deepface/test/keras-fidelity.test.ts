// Fidelity against the Keras reference fixture (synthetic weights in deepface's exact save_weights layout, full
// size: 525.6 MiB unpacked). A gzipped .h5.gz is unpacked with streaming zlib to a temp file (and deleted
// afterwards), a plain .h5 is read in place; either is loaded layer by layer through @facekit/keras.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ModelContext, models } from '@facekit/core';
import { openKerasWeightsFile } from '@facekit/keras/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureIntermediates, fixtureWeightsOnDisk, fixtureWeightsPath } from '../../../test/keras-fixtures.js';
import { haveShared, kerasFixturesDir } from '../../../test/utils.js';
import '../src/index.js';
import { parameterCount } from '../src/architecture.js';
import { loadDeepFaceKeras } from '../src/keras-import.js';
import type { DeepFaceModel, OutputName } from '../src/model.js';
import { minCosine, relError } from './naive.js';

const fx = join(kerasFixturesDir, 'deepface');
const bin = (name: string) => {
  const b = readFileSync(join(fx, `${name}.bin`));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
/** The fixture's input images, [n, 152, 152, 3] in [0, 1], with the shape its input.json declares. */
const fixtureInput = () =>
  tf.tensor4d(
    bin('input'),
    JSON.parse(readFileSync(join(fx, 'input.json'), 'utf8')).shape as [number, number, number, number],
  );
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

const ready =
  haveShared(fx, 'Keras DeepFace fixture') &&
  (fixtureWeightsPath('deepface') !== undefined || haveShared(join(fx, 'deepface_weights.h5'), 'DeepFace weights'));

describe.runIf(ready)('DeepFace Keras import', () => {
  let h5 = '';
  let temporary = false;
  let net: DeepFaceModel;
  let baseRss = 0;

  beforeAll(async () => {
    ({ path: h5, temporary } = await fixtureWeightsOnDisk(
      'deepface',
      join(tmpdir(), `facekit-deepface-${process.pid}.h5`),
    ));
    baseRss = process.resourceUsage().maxRSS * 1024;
  });
  afterAll(() => {
    if (net && !net.weights.C1?.kernel.isDisposed) net.dispose();
    if (temporary && existsSync(h5)) rmSync(h5);
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

  it('matches Keras on every intermediate in the fixture and on F7 (max abs err ≤ 1e-4·max|ref|, cosine ≥ 0.99999)', () => {
    const x = fixtureInput();
    const shape = x.shape;
    // Layers the fixture has an intermediate for (whichever the folder holds), then the output layer F7.
    const known = new Set<string>(['C1', 'M2', 'C3', 'L4', 'L5', 'L6']);
    const layers = fixtureIntermediates('deepface');
    expect(layers.filter((l) => !known.has(l))).toEqual([]);
    const refs: Array<[OutputName, string]> = [
      ...layers.map((l): [OutputName, string] => [l as OutputName, `intermediate_${l}`]),
      ['F7', 'expected_output'],
    ];
    const out = net.forward(x, { outputs: refs.map(([l]) => l) });
    for (const [layer, file] of refs) {
      const y = out[layer]!.dataSync();
      const ref = bin(file);
      const err = relError(y, ref);
      const cos = minCosine(y, ref, shape[0]);
      console.log(`${layer}: max abs err / max|ref| = ${err.toExponential(2)}, min cosine = ${cos.toFixed(9)}`);
      expect(err, layer).toBeLessThanOrEqual(1e-4);
      expect(cos, layer).toBeGreaterThanOrEqual(0.99999);
    }
    tf.dispose([x, out as tf.NamedTensorMap]);
  });

  it('embeds one 152×152 face: a finite 4096-D representation, the same on every call', () => {
    const x = tf.tidy(() => tf.slice(fixtureInput(), [0], [1])) as tf.Tensor4D;
    const first = net.predict(x);
    const a = first.dataSync().slice();
    first.dispose();
    const n = 3;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const y = net.predict(x);
      expect(Array.from(y.dataSync())).toEqual(Array.from(a));
      y.dispose();
    }
    // Timing is reported, not asserted (benchmarks are separate commands).
    console.log(`DeepFace forward (1×152×152, ${tf.getBackend()}): ${((performance.now() - t0) / n).toFixed(0)} ms`);
    expect(a.length).toBe(4096);
    expect(a.every(Number.isFinite)).toBe(true);
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
      const faces = tf.tidy(() => tf.mul(fixtureInput(), 255)) as tf.Tensor4D;
      const vs = await embedder.embed(faces);
      faces.dispose();
      const ref = bin('expected_output');
      const flat = new Float32Array(vs.length * 4096);
      for (const [i, v] of vs.entries()) flat.set(v, i * 4096);
      expect(flat.length).toBe(ref.length);
      expect(relError(flat, ref)).toBeLessThanOrEqual(1e-4);
      expect(minCosine(flat, ref, vs.length)).toBeGreaterThanOrEqual(0.99999);
      console.log(`embedder via bytes: maxRSS now ${mib(process.resourceUsage().maxRSS * 1024)} MiB`);
    } finally {
      embedder.dispose();
    }
  });
});
