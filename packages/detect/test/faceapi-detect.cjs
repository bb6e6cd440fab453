// Reference detections from @vladmandic/face-api's own implementation (test only, in a child process: face-api
// bundles its own tfjs instance). Usage: node faceapi-detect.cjs tiny|ssd image...  → JSON, per image the boxes
// { x, y, width, height, score } in pixels.
const { dirname, join } = require('node:path');
const sharp = require('sharp');

async function main() {
  const [kind, ...paths] = process.argv.slice(2);
  const tf = require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  await tf.setBackend('wasm');
  await tf.ready();
  const dir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  const net = kind === 'tiny' ? faceapi.nets.tinyFaceDetector : faceapi.nets.ssdMobilenetv1;
  await net.loadFromDisk(dir);
  const options =
    kind === 'tiny'
      ? new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 })
      : new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 });
  const out = [];
  for (const p of paths) {
    const { data, info } = await sharp(p).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const t = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
    const found = await faceapi.detectAllFaces(t, options);
    t.dispose();
    out.push(found.map((d) => ({ x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height, score: d.score })));
  }
  process.stdout.write(JSON.stringify(out));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
