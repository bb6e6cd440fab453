// Reference descriptors from face-api.js itself (its own bundled tfjs, cpu backend, its own uint8-quantised weights),
// run in a separate process so its tfjs copy cannot share the global engine with the suite's. Usage:
//   node faceapi-reference.mjs <faces.f32> <n>    (raw float32 [n, 150, 150, 3]) → JSON number[][] on stdout
// face-api scales the centred input by 1/255 where dlib (and facekit) use 1/256; each face is handed over as
// mean + (x − mean)·255/256, so face-api computes dlib's (x − mean)/256.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// The esm bundle picks tfjs's Node platform, which needs util.TextEncoder from a shim it does not bundle; pretending
// to be a worker selects the browser platform instead (fetch, TextEncoder, performance all exist in Node ≥ 18).
globalThis.WorkerGlobalScope = class {};
const faceapi = await import('@vladmandic/face-api/dist/face-api.esm.js');
delete globalThis.WorkerGlobalScope;

const tf = faceapi.tf;
if (!(await tf.setBackend('cpu'))) throw new Error('face-api: cpu backend failed');
await tf.ready();

const models = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'model');
const manifest = JSON.parse(readFileSync(join(models, 'face_recognition_model-weights_manifest.json'), 'utf8'));
const bin = readFileSync(join(models, 'face_recognition_model.bin'));
const buffer = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
faceapi.nets.faceRecognitionNet.loadFromWeightMap(tf.io.decodeWeights(buffer, manifest[0].weights));

const [file, count] = process.argv.slice(2);
const n = Number(count);
const raw = readFileSync(file);
const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const out = [];
for (let i = 0; i < n; i++) {
  const size = 150 * 150 * 3;
  const x = tf.tidy(() => {
    const mean = tf.tensor1d([122.782, 117.001, 104.298]);
    const raw = tf.tensor3d(data.subarray(i * size, (i + 1) * size), [150, 150, 3]);
    return tf.add(mean, tf.mul(tf.sub(raw, mean), 255 / 256));
  });
  out.push(Array.from(await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(x)));
  x.dispose();
}
process.stdout.write(JSON.stringify(out));
