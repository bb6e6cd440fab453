// `facekit train facenet` end to end, in-process: a tiny run on 3 LFW identities from the folder layout.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureWeightsOnDisk } from '../../../test/keras-fixtures.js';
import { haveShared, lfwDir } from '../../../test/utils.js';
import { main } from '../src/cli.js';

const PEOPLE = ['Colin_Powell', 'Tony_Blair', 'Donald_Rumsfeld'];
/** Held-out identities for --validation (none of PEOPLE). */
const HELD_OUT = ['George_W_Bush', 'Gerhard_Schroeder'];
const dir = mkdtempSync(join(tmpdir(), 'facekit-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A folder `name` in the temp dir holding symlinks to these LFW identity folders. */
function lfwFolder(name: string, people: readonly string[]): string {
  const folder = join(dir, name);
  mkdirSync(folder);
  for (const p of people) symlinkSync(join(lfwDir, 'images', p), join(folder, p));
  return folder;
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), isTTY: false });
  return { code, out, err };
}

/** Flags of a small OpenFace run: 3 images per identity, batches of 2 × 3, dense head only, batch-hard. */
const SMALL_FACENET = [
  '--max-images-per-identity',
  '3',
  '--batch-identities',
  '2',
  '--images-per-identity',
  '3',
  '--trainable-from',
  'dense_layer',
  '--selection',
  'batch-hard',
];

describe.runIf(haveShared(join(lfwDir, 'images'), 'LFW'))('facekit train facenet', () => {
  it('trains 2 steps on 3 identities, prints a JSON summary and writes a checkpoint that resumes', async () => {
    // A data folder of three LFW identities (symlinked sub-folders: the LFW layout).
    const data = join(dir, 'data');
    mkdirSync(data);
    for (const p of PEOPLE) symlinkSync(join(lfwDir, 'images', p), join(data, p));
    const ckpt = join(dir, 'ckpt');
    const out = join(dir, 'openface-tuned.fkw');
    const args = (epochs: number) => [
      'train',
      'facenet',
      '--data',
      data,
      ...SMALL_FACENET,
      '--epochs',
      String(epochs),
      '--checkpoint',
      ckpt,
      '--json',
    ];
    const r = await cli(...args(2), '--out', out);
    expect(r.err).not.toMatch(/^facekit: E_/m);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({ command: 'train facenet', model: 'openface', identities: 3, images: 9, steps: 2 });
    expect(s.history).toHaveLength(2);
    for (const h of s.history) {
      expect(Number.isFinite(h.loss)).toBe(true);
      expect(h.activeFraction).toBeGreaterThanOrEqual(0);
    }
    expect(r.err).toMatch(/train facenet \(openface\): 100% \(2\/2\)/); // plain progress lines off a TTY
    const meta = JSON.parse(readFileSync(join(ckpt, 'checkpoint.json'), 'utf8'));
    expect(meta.format).toBe('facekit-facenet-triplet-checkpoint@1');
    expect(meta.state.step).toBe(2);
    expect(existsSync(join(ckpt, 'checkpoint.bin'))).toBe(true);
    expect(existsSync(out)).toBe(true);

    // Resume with one more epoch: continues at step 2.
    const r2 = await cli(...args(3), '--resume');
    expect(r2.code).toBe(0);
    expect(JSON.parse(r2.out)).toMatchObject({ steps: 3 });
    expect(JSON.parse(readFileSync(join(ckpt, 'checkpoint.json'), 'utf8')).state.step).toBe(3);
  });

  it('a fine-tuned file is another identity: a gallery of the stock weights refuses its vectors', async () => {
    const data = lfwFolder('data-tuned', PEOPLE);
    const stock = (await fixtureWeightsOnDisk('openface', join(dir, 'openface-stock.h5'))).path;
    const tuned = join(dir, 'openface-finetuned.fkw');
    const t = await cli(
      'train',
      'facenet',
      '--data',
      data,
      ...SMALL_FACENET,
      '--epochs',
      '1',
      '--weights',
      stock,
      '--out',
      tuned,
      '--json',
    );
    expect(t.code, t.err).toBe(0);
    const db = join(dir, 'identity.db');
    const img = (p: string, i: number) => join(lfwDir, 'images', p, `${p}_${String(i).padStart(4, '0')}.jpg`);
    const enroll = (weights: string, label: string, image: string) =>
      cli('enroll', '--db', db, label, image, '--embedder', 'openface', '--weights', weights, '--json');
    expect((await enroll(stock, 'colin', img(PEOPLE[0], 1))).code).toBe(0);
    const mixed = await enroll(tuned, 'tony', img(PEOPLE[1], 1));
    expect(mixed.code).toBe(1);
    expect(mixed.err).toMatch(
      /^facekit: E_EMBEDDING_MISMATCH: .*'openface' embeddings of weights [0-9a-f]{12}, got one of weights [0-9a-f]{12}/m,
    );
    expect((await enroll(stock, 'tony', img(PEOPLE[1], 1))).code).toBe(0);
  });

  it('train deepface: a width-reduced DeepFace on 3 identities, JSON summary and checkpoint', async () => {
    const data = join(dir, 'data-deepface');
    mkdirSync(data);
    for (const p of PEOPLE) symlinkSync(join(lfwDir, 'images', p), join(data, p));
    const out = join(dir, 'deepface-out');
    const r = await cli(
      'train',
      'deepface',
      '--data',
      data,
      '--max-images-per-identity',
      '3',
      '--batch-size',
      '9',
      '--epochs',
      '2',
      '--width',
      '0.25',
      '--f7',
      '64',
      '--out',
      out,
      '--json',
    );
    expect(r.err).not.toMatch(/^facekit: E_/m);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({ command: 'train deepface', identities: 3, images: 9 });
    expect(s.history.length).toBeGreaterThanOrEqual(2);
    for (const h of s.history) expect(Number.isFinite(h.loss)).toBe(true);
    expect(existsSync(join(out, 'checkpoint.json'))).toBe(true);
  });

  it('--validation: per-epoch validation AUC and the best epoch, in the progress lines, summary and JSON', async () => {
    const data = lfwFolder('data-val', PEOPLE);
    const validation = lfwFolder('validation', HELD_OUT);
    const args = [
      'train',
      'facenet',
      '--data',
      data,
      '--validation',
      validation,
      '--patience',
      '1',
      ...SMALL_FACENET,
      '--epochs',
      '3',
    ];
    const r = await cli(...args);
    expect(r.err).not.toMatch(/^facekit: E_/m);
    expect(r.code).toBe(0);
    // 1 to 3 epochs (patience 1 may stop early), each with its validation AUC and the best so far.
    const epochLines = r.err.match(/^epoch \d+: .*$/gm) ?? [];
    expect(epochLines.length).toBeGreaterThanOrEqual(1);
    for (const l of epochLines) {
      expect(l).toMatch(
        /validation AUC [01]\.\d{4} \(best: (epoch \d|the starting weights), validation AUC [01]\.\d{4}\)/,
      );
    }
    expect(r.out).toMatch(/^train facenet: .*validation AUC [01]\.\d{4}/);
    expect(r.out).toMatch(
      /; best: (epoch [1-3]|the starting weights), validation AUC [01]\.\d{4} \(its weights kept\)/,
    );

    const j = await cli(...args, '--no-restore-best', '--json');
    expect(j.code).toBe(0);
    const s = JSON.parse(j.out);
    expect(s).toMatchObject({
      identities: 3,
      images: 9,
      validation: { dir: validation, identities: 2, images: 6 },
      restoredBest: false,
    });
    expect(s.history.length).toBeGreaterThanOrEqual(1);
    expect(s.history.length).toBeLessThanOrEqual(3);
    for (const h of s.history) {
      expect(h.validationAuc).toBeGreaterThanOrEqual(0);
      expect(h.validationAuc).toBeLessThanOrEqual(1);
    }
    // best.epoch is 0-based as in history (−1: the starting weights), and its AUC the highest seen.
    expect(s.best.epoch).toBeGreaterThanOrEqual(-1);
    expect(s.best.epoch).toBeLessThan(s.history.length);
    for (const h of s.history) expect(h.validationAuc).toBeLessThanOrEqual(s.best.validationAuc);
    if (s.best.epoch >= 0) expect(s.history[s.best.epoch].validationAuc).toBe(s.best.validationAuc);
    // Patience 1 stops the epoch after the last improvement.
    expect(s.stoppedEarly).toBe(s.history.length < 3);
    if (s.stoppedEarly) expect(s.history.length).toBe(s.best.epoch + 2);
  });

  it('--validation sharing an identity with --data fails with E_CONFIG naming it', async () => {
    const data = lfwFolder('data-overlap', PEOPLE);
    const validation = lfwFolder('validation-overlap', [HELD_OUT[0], 'Tony_Blair']);
    const r = await cli('train', 'facenet', '--data', data, '--validation', validation, '--epochs', '1');
    expect(r.code).toBe(1);
    expect(r.err.trim()).toMatch(/^facekit: E_CONFIG: --validation .*'Tony_Blair'/);
  });

  it('refuses bad flags with one error line', async () => {
    const r = await cli('train', 'facenet', '--data', dir, '--selection', 'easy');
    expect(r.code).toBe(1);
    expect(r.err.trim()).toMatch(/^facekit: E_CONFIG: --selection/);
    const r2 = await cli('train', 'facenet', '--data', join(dir, 'missing'));
    expect(r2.code).toBe(1);
    expect(r2.err.trim()).toMatch(/^facekit: E_IO: cannot read training folder/);
    for (const patience of ['0', '1.5', 'x']) {
      const r3 = await cli('train', 'facenet', '--data', dir, '--validation', dir, '--patience', patience);
      expect(r3.code).toBe(1);
      expect(r3.err.trim()).toMatch(/^facekit: E_CONFIG: --patience expects a (positive integer|number)/);
    }
    const r4 = await cli('train', 'facenet', '--data', dir, '--patience', '2');
    expect(r4.err.trim()).toMatch(/^facekit: E_CONFIG: --patience needs --validation/);
    const r5 = await cli('train', 'facenet', '--data', dir, '--no-restore-best');
    expect(r5.err.trim()).toMatch(/^facekit: E_CONFIG: --no-restore-best needs --validation/);
  });
});
