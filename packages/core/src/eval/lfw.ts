import { FaceKitError } from '../errors.js';
import {
  type CrossValidation,
  type ScoredPair,
  auc,
  chooseThreshold,
  crossValidate,
  eer,
  fitConfidenceScale,
  rocCurve,
  tarAtFar,
} from './protocol.js';

/**
 * One LFW pair: two images named as `images/<name>/<name>_%04d.jpg`, same person or not, and its fold.
 *
 * @example
 * const pairs: LfwPair[] = parseLfwPairs(readFileSync('pairs.txt', 'utf8'));
 * pairs[0]; // { a: { name, index }, b: { name, index }, same: true, fold: 0 }
 */
export interface LfwPair {
  a: { name: string; index: number };
  b: { name: string; index: number };
  same: boolean;
  fold: number;
}

/**
 * Parses an LFW pairs file: View 2 (`pairs.txt`: first line `sets n`, then per set n matched lines `name i j` and n
 * mismatched lines `nameA i nameB j`) or View 1 (`pairsDevTrain.txt`: first line `n`, one set). Tabs or spaces.
 *
 * @example
 * const pairs = parseLfwPairs(await readFile('pairs.txt', 'utf8')); // 6000 pairs in folds 0..9
 */
export function parseLfwPairs(text: string): LfwPair[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new FaceKitError('E_INPUT', 'empty pairs file');
  const head = lines[0].trim().split(/\s+/).map(Number);
  const [sets, n] = head.length >= 2 ? [head[0], head[1]] : [1, head[0]];
  if (!Number.isInteger(sets) || !Number.isInteger(n) || sets < 1 || n < 1) {
    throw new FaceKitError('E_INPUT', `pairs file header '${lines[0]}' is not 'sets n' or 'n'`);
  }
  if (lines.length - 1 !== sets * 2 * n) {
    throw new FaceKitError('E_INPUT', `pairs file has ${lines.length - 1} pair lines, header promises ${sets * 2 * n}`);
  }
  const pairs: LfwPair[] = [];
  for (let i = 1; i < lines.length; i++) {
    const t = lines[i].trim().split(/\s+/);
    const fold = Math.floor((i - 1) / (2 * n));
    const matchedPart = (i - 1) % (2 * n) < n;
    if (matchedPart && t.length === 3) {
      pairs.push({ a: { name: t[0], index: +t[1] }, b: { name: t[0], index: +t[2] }, same: true, fold });
    } else if (!matchedPart && t.length === 4) {
      pairs.push({ a: { name: t[0], index: +t[1] }, b: { name: t[2], index: +t[3] }, same: false, fold });
    } else {
      throw new FaceKitError('E_INPUT', `pairs file line ${i + 1} ('${lines[i]}') does not fit the format`);
    }
    const last = pairs[pairs.length - 1];
    if (!(last.a.index > 0 && last.b.index > 0)) throw new FaceKitError('E_INPUT', `bad image index on line ${i + 1}`);
  }
  return pairs;
}

/**
 * Relative image path of an LFW image: `<name>/<name>_0001.jpg`.
 *
 * @example
 * lfwImagePath({ name: 'Aaron_Peirsol', index: 1 }); // 'Aaron_Peirsol/Aaron_Peirsol_0001.jpg'
 */
export function lfwImagePath(img: { name: string; index: number }): string {
  return `${img.name}/${img.name}_${String(img.index).padStart(4, '0')}.jpg`;
}

/**
 * Splits a single-set pairs list (View 1) into k folds, keeping matched and mismatched pairs balanced per fold;
 * pairs of a multi-set file keep their folds.
 *
 * @example
 * const pairs = assignFolds(parseLfwPairs(readFileSync('pairsDevTest.txt', 'utf8')), 10); // View 1 → 10 folds
 */
export function assignFolds(pairs: LfwPair[], k: number): LfwPair[] {
  const sets = new Set(pairs.map((p) => p.fold)).size;
  if (sets > 1) return pairs;
  let s = 0;
  let d = 0;
  const same = pairs.filter((p) => p.same).length;
  const diff = pairs.length - same;
  return pairs.map((p) => ({
    ...p,
    fold: p.same ? Math.floor((s++ * k) / same) : Math.floor((d++ * k) / diff),
  }));
}

/**
 * Everything a verification benchmark reports (`evaluateVerification`).
 *
 * @example
 * const r: VerificationReport = evaluateVerification(scored, folds);
 * console.log(r.accuracy, r.std, r.auc, r.eer, r.tarAtFar1e3, r.threshold);
 */
export interface VerificationReport {
  pairs: number;
  folds: number;
  /** Mean ± std accuracy over folds, each with the threshold chosen on the other folds. */
  accuracy: number;
  std: number;
  foldResults: CrossValidation['folds'];
  auc: number;
  eer: number;
  /** TAR at FAR = 1e-3 (with 3,000 different pairs this is decided by the 3 hardest impostors). */
  tarAtFar1e3: number;
  /** The threshold chosen on all pairs: what a default threshold from this data would be. */
  threshold: number;
  /** Logistic scale for `confidence`, fitted around `threshold`. */
  confidenceScale: number;
}

/**
 * Everything a verification benchmark reports, from per-pair distances.
 *
 * @example
 * const r = evaluateVerification(scored, folds); // r.accuracy, r.std, r.auc, r.eer, r.threshold
 */
export function evaluateVerification(scored: readonly ScoredPair[], foldOf: readonly number[]): VerificationReport {
  const cv = crossValidate(scored, foldOf);
  const roc = rocCurve(scored);
  const { threshold } = chooseThreshold(scored);
  return {
    pairs: scored.length,
    folds: cv.folds.length,
    accuracy: cv.accuracy,
    std: cv.std,
    foldResults: cv.folds,
    auc: auc(roc),
    eer: eer(roc),
    tarAtFar1e3: tarAtFar(roc, 1e-3),
    threshold,
    confidenceScale: fitConfidenceScale(scored, threshold),
  };
}
