// Issue 4 / 5 acceptance: `facekit verify A B --embedder facenet|deepface --weights PATH` with an h5 in the exact
// Keras save_weights layout. The fixture weights are synthetic, so only the verdict's shape is checked, not its value.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureWeightsOnDisk } from '../../../test/keras-fixtures.js';
import { haveShared, kerasFixturesDir, lfwDir, lfwImage } from '../../../test/utils.js';
import { buildPackages } from './build.js';
import { runBin } from './helpers.js';

const ready = haveShared(kerasFixturesDir, 'Keras fixtures') && haveShared(lfwDir, 'LFW');
const dir = mkdtempSync(join(tmpdir(), 'facekit-keras-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The fixture's weights as a plain .h5 path; a temporary unzipped copy is deleted by `done`. */
async function h5Of(fixture: string, to: string) {
  const { path, temporary } = await fixtureWeightsOnDisk(fixture, join(dir, to));
  return { path, done: () => temporary && rmSync(path) };
}

describe.skipIf(!ready)('facekit verify with Keras h5 weights (built bin)', () => {
  beforeAll(async () => {
    await buildPackages();
  }, 300_000);

  const a = lfwImage('Abdullah_Gul', 13);
  const b = lfwImage('Aaron_Eckhart', 1);

  it.each([
    ['facenet', 'facenet128', 'cosine'],
    ['deepface', 'deepface', 'cosine'],
  ])('--embedder %s --weights PATH', async (embedder, fixture, metric) => {
    const h5 = await h5Of(fixture, `${embedder}.h5`);
    const r = await runBin(['verify', a, b, '--embedder', embedder, '--weights', h5.path, '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.embedder).toBe(embedder);
    expect(j.metric).toBe(metric);
    expect(typeof j.verified).toBe('boolean');
    expect(Number.isFinite(j.distance)).toBe(true);
    expect(j.distance).toBeGreaterThan(0); // two different people never embed identically
    h5.done();
  });

  it('a weights file of the wrong network is E_WEIGHTS_FORMAT naming a layer', async () => {
    const h5 = await h5Of('facenet128', 'wrong.h5');
    const r = await runBin(['verify', a, b, '--embedder', 'deepface', '--weights', h5.path]);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toMatch(/^facekit: E_WEIGHTS_FORMAT: .*\b(C1|F7|L4|layer)\b/);
    h5.done();
  });
});
