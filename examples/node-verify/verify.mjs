// @ts-check
// Verify two photos: `node verify.mjs [a.jpg b.jpg]`. Without arguments it compares two sample photos that ship
// with @vladmandic/face-api (a dev dependency of the facekit monorepo). Prints the verify result as JSON.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FaceKitError, disposeAll, verify } from '@facekit/node';

function samplePhotos() {
  const require = createRequire(import.meta.url);
  const demo = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
  return [join(demo, 'sample1.jpg'), join(demo, 'sample6.jpg')];
}

const [a, b] = process.argv.length >= 4 ? process.argv.slice(2, 4) : samplePhotos();
try {
  // Detect the largest face in each photo, align it, embed it (dlib-resnet34 by default), compare.
  const result = await verify(a, b);
  console.log(JSON.stringify(result, null, 2));
  console.error(
    `${result.verified ? 'same person' : 'different people'}: ${result.metric} distance ` +
      `${result.distance.toFixed(4)} (threshold ${result.threshold}), confidence ${result.confidence.toFixed(2)}`,
  );
} catch (e) {
  // Every facekit failure is a FaceKitError with a stable code (docs/errors.md).
  if (e instanceof FaceKitError) {
    console.error(`${e.code}: ${e.message}`);
    process.exitCode = 1;
  } else throw e;
} finally {
  disposeAll();
}
