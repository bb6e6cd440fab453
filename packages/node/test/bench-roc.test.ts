// `facekit bench lfw --roc FILE` / benchLfw({ rocFile }): the ROC curves that scripts/plot-roc.mjs draws.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveShared, lfwDir } from '../../../test/utils.js';
import { benchLfw, type LfwRocFile } from '../src/bench/lfw.js';

const hasLfw = haveShared(lfwDir, 'LFW (bench ROC test)');

describe.skipIf(!hasLfw)('benchLfw rocFile', () => {
  it('writes one ROC curve per embedder × aligner, consistent with the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facekit-roc-'));
    try {
      const rocFile = join(dir, 'roc.json');
      const r = await benchLfw({
        data: lfwDir,
        pairs: join(lfwDir, 'pairsDevTest.txt'),
        folds: 2,
        limitPerFold: 3, // 12 pairs
        embedders: ['dlib-resnet34'],
        pick: 'central',
        workers: 0,
        rocFile,
      });
      const roc: LfwRocFile = JSON.parse(readFileSync(rocFile, 'utf8'));
      expect(roc.pairs).toBe(r.pairs);
      expect(roc.curves).toHaveLength(1);
      const [c] = roc.curves;
      expect(c).toMatchObject({ embedder: 'dlib-resnet34', aligner: '2d', metric: r.results[0].defaultMetric });
      expect(c.auc).toBe(r.results[0].auc);
      expect(c.points[0]).toEqual({ threshold: null, far: 0, tar: 0 }); // -Infinity is not JSON
      expect(c.points.at(-1)).toMatchObject({ far: 1, tar: 1 });
      for (let i = 1; i < c.points.length; i++) {
        expect(c.points[i].far).toBeGreaterThanOrEqual(c.points[i - 1].far);
        expect(c.points[i].tar).toBeGreaterThanOrEqual(c.points[i - 1].tar);
      }
      // The report itself is unchanged by the option.
      expect(Object.keys(r)).not.toContain('roc');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
