import { EMOTION_LABELS, type FaceCrop, type GenderLabel } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { check, classify, GRAY_WEIGHTS } from './decode.js';
import type { GraphRecipe } from './graph-analyzer.js';

/**
 * @vladmandic/human's face tensor, which every human-models analyser was run on: the BlazeFace box enlarged 1.4×
 * (config.face.detector.scale) and made square on its longer side, resampled to 192×192 (FaceMesh's input) and
 * scaled to 0..1 (human src/face/blazeface.ts, facemeshutil.ts cutAndResize).
 *
 * @example
 * models.analyzers.get('emotion').crop; // HUMAN_FACE_CROP
 */
export const HUMAN_FACE_CROP: FaceCrop = { scale: 1.4, size: 192 };

const resize = (x: tf.Tensor4D, s: number) => tf.image.resizeBilinear(x, [s, s], false);
/** Grey levels mapped to −1..1, as human feeds the oarriaga models (src/gear/emotion.ts, ssrnet-gender.ts). */
const grayMinus1To1 = (x: tf.Tensor4D) =>
  tf.mul(tf.sub(tf.sum(tf.mul(x, tf.tensor1d([...GRAY_WEIGHTS])), 3, true), 0.5), 2) as tf.Tensor4D;

/**
 * FaceRes's age head (100 one-year bins) decoded as human does (src/face/faceres.ts): the arg-max bin i, moved
 * towards its larger neighbour by 10 × that neighbour's probability — i − 10·p[i−1] or i + 10·p[i+1] years. A
 * missing neighbour (bins 0 and 99) counts as probability 0 (human's code gives NaN at bin 99).
 *
 * @example
 * faceresAge(probs); // e.g. 31.4
 */
export function faceresAge(p: ArrayLike<number>): number {
  let i = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[i]) i = k;
  const below = i > 0 ? p[i - 1] : 0;
  const above = i < p.length - 1 ? p[i + 1] : 0;
  return below > above ? i - 10 * below : i + 10 * above;
}

/**
 * GEAR's seven age classes (human src/gear/gear.ts): below 20, 21–25, 26–30, 31–40, 41–50, 51–60, above 60.
 *
 * @example
 * GEAR_AGE_LABELS[3]; // '31-40'
 */
export const GEAR_AGE_LABELS = ['<=20', '21-25', '26-30', '31-40', '41-50', '51-60', '>60'];
/** The age human assigns to each GEAR class (src/gear/gear.ts ageWeights). */
const GEAR_AGE_YEARS = [15, 23, 28, 35.5, 45.5, 55.5, 65];
/**
 * GEAR's race classes, in output order (human src/gear/gear.ts raceNames).
 *
 * @example
 * GEAR_RACE_LABELS.length; // 5
 */
export const GEAR_RACE_LABELS = ['white', 'black', 'asian', 'indian', 'other'];

/**
 * GEAR's age classes decoded as human does: start at the most likely class's age, then for each other class in
 * descending probability move p × (its age − the running age) towards it.
 *
 * @example
 * gearAge([0, 0, 1, 0, 0, 0, 0]); // 28
 */
export function gearAge(p: ArrayLike<number>): number {
  const order = GEAR_AGE_YEARS.map((years, k) => ({ years, p: p[k] })).sort((a, b) => b.p - a.p);
  let age = order[0].years;
  for (let k = 1; k < order.length; k++) age += order[k].p * (order[k].years - age);
  return age;
}

/**
 * faceres.json with its descriptor left out: age (100-way softmax) and gender (sigmoid, 1 = male) heads.
 *
 * @example
 * await GraphAnalyzer.load(ctx, 'faceres-age-gender', faceresAgeGenderRecipe);
 */
export const faceresAgeGenderRecipe: GraphRecipe = {
  file: 'faceres.json',
  input: [224, 224, 3],
  outputs: [
    { node: 'age_pred/Softmax', width: 100 },
    { node: 'gender_pred/Sigmoid', width: 1 },
  ],
  // human src/face/faceres.ts enhance(): resize the 0..1 face tensor to 224², × 255.
  prepare: (x) => tf.mul(resize(x, 224), 255) as tf.Tensor4D,
  decode: ([age, [male]]) => ({
    age: {
      years: faceresAge(age),
      distribution: { labels: Array.from(age, (_, k) => String(k)), scores: Array.from(age) },
    },
    gender: classify<GenderLabel>(['male', 'female'], [male, 1 - male]),
  }),
};

/**
 * gear.json: age classes, gender [male, female], race (human src/gear/gear.ts).
 *
 * @example
 * await GraphAnalyzer.load(ctx, 'gear', gearRecipe);
 */
export const gearRecipe: GraphRecipe = {
  file: 'gear.json',
  input: [198, 198, 3],
  outputs: [
    { node: 'age_output', width: 7 },
    { node: 'gender_output', width: 2 },
    { node: 'race_output', width: 5 },
  ],
  // human: cropAndResize of the 0..1 face tensor to the box [top 0, left 0.1, bottom 0.9, right 0.9], fed as 0..1.
  prepare: (x) => {
    const n = x.shape[0];
    const boxes = tf.tensor2d(Array.from({ length: n }, () => [0, 0.1, 0.9, 0.9]));
    return tf.image.cropAndResize(x, boxes, tf.range(0, n, 1, 'int32') as tf.Tensor1D, [198, 198]);
  },
  decode: ([age, gender, race]) => {
    const ageClasses = classify(GEAR_AGE_LABELS, age);
    return {
      age: {
        years: gearAge(age),
        distribution: { labels: GEAR_AGE_LABELS, scores: GEAR_AGE_LABELS.map((l) => ageClasses.scores[l]) },
      },
      gender: classify<GenderLabel>(['male', 'female'], gender),
      race: classify(GEAR_RACE_LABELS, race),
    };
  },
};

/**
 * age.json (SSR-Net age): years (human src/gear/ssrnet-age.ts: resize to 64², × 255).
 *
 * @example
 * await GraphAnalyzer.load(ctx, 'ssrnet-age', ssrnetAgeRecipe);
 */
export const ssrnetAgeRecipe: GraphRecipe = {
  file: 'age.json',
  input: [64, 64, 3],
  outputs: [{ width: 1 }],
  prepare: (x) => tf.mul(resize(x, 64), 255) as tf.Tensor4D,
  decode: ([[years]]) => ({ age: { years } }),
};

/**
 * gender.json (oarriaga): [female, male] of a 64² grey face in −1..1 (human src/gear/ssrnet-gender.ts).
 *
 * @example
 * await GraphAnalyzer.load(ctx, 'oarriaga-gender', oarriagaGenderRecipe);
 */
export const oarriagaGenderRecipe: GraphRecipe = {
  file: 'gender.json',
  input: [64, 64, 1],
  outputs: [{ width: 2 }],
  prepare: (x) => grayMinus1To1(resize(x, 64)),
  decode: ([[female, male]]) => ({ gender: classify<GenderLabel>(['male', 'female'], [male, female]) }),
};

/**
 * emotion.json (oarriaga mini-Xception, FER-2013's 7 classes in facekit's order) (human src/gear/emotion.ts).
 *
 * @example
 * await GraphAnalyzer.load(ctx, 'emotion', emotionRecipe);
 */
export const emotionRecipe: GraphRecipe = {
  file: 'emotion.json',
  input: [64, 64, 1],
  outputs: [{ width: 7 }],
  prepare: (x) => grayMinus1To1(resize(x, 64)),
  decode: ([p]) => ({ emotion: classify(EMOTION_LABELS, p) }),
};

/**
 * antispoof.json: one sigmoid, human's `face.real` (src/face/antispoof.ts: resize to 128², fed as 0..1).
 *
 * @example
 * await GraphAnalyzer.load(ctx, 'antispoof', antispoofRecipe);
 */
export const antispoofRecipe: GraphRecipe = {
  file: 'antispoof.json',
  input: [128, 128, 3],
  outputs: [{ width: 1 }],
  prepare: (x) => resize(x, 128),
  decode: ([[real]]) => ({ spoof: check(real, 0.5) }),
};

/**
 * liveness.json: two softmax classes, the first is human's `face.live` (src/face/liveness.ts: 32², 0..1).
 *
 * @example
 * await GraphAnalyzer.load(ctx, 'liveness', livenessRecipe);
 */
export const livenessRecipe: GraphRecipe = {
  file: 'liveness.json',
  input: [32, 32, 3],
  outputs: [{ width: 2 }],
  prepare: (x) => resize(x, 32),
  decode: ([[live]]) => ({ liveness: check(live, 0.5) }),
};
