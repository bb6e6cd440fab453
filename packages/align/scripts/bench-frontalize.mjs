#!/usr/bin/env node
// Times the aligners on real LFW faces: all-in `align` (camera fit, per-triangle maps, warp) and the tensor warp
// alone, on the embedders' templates (dlib-resnet34 150×150 landmarks51, ArcFace 112×112 five points, MobileFaceNet's).
//
//   node packages/align/scripts/bench-frontalize.mjs [--backend wasm|cpu] [--runs 60]
//
// Reports min and median ms per face (the median is what a loaded machine gives; the min, what the code costs).
import { join } from 'node:path';
import { loadFacekit, modelContext, readImage, repoRoot, useBackend } from './facekit-source.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const RUNS = Number(opt('runs', '60'));
const LFW = opt('lfw', process.env.FACEKIT_LFW ?? join(repoRoot, '..', 'shared', 'data', 'lfw'));
const tf = await useBackend(opt('backend', process.env.FACEKIT_BACKEND ?? 'wasm'));
const { core, align, pretrained } = await loadFacekit(['pretrained']);
const ctx = await modelContext();
const detector = await core.models.detectors.get('blazeface').create(ctx);
const landmarker = await core.models.landmarkers.get('facemesh').create(ctx);

function stats(f) {
  for (let i = 0; i < 5; i++) f();
  const t = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return `min ${t[0].toFixed(2)} / median ${t[t.length >> 1].toFixed(2)}`;
}
const run = (make) => () => {
  const out = make();
  out.dataSync();
  out.dispose();
};

console.log(`backend ${tf.getBackend()}, ${RUNS} runs, ms per face (min / median)`);
for (const id of ['Aiysha_Smith_0001', 'Aaron_Peirsol_0001']) {
  const image = await readImage(tf, join(LFW, 'images', id.replace(/_\d{4}$/, ''), `${id}.jpg`));
  const [found] = await detector.detect(image, { minScore: 0.5 });
  const face = await landmarker.refine(image, found);
  // dlib's 150×150 landmarks51 chip and the ArcFace 112×112 five-point template (MobileFaceNet's, which is no longer
  // registered; faceres uses the same template ×2).
  for (const [embedder, template] of [
    ['dlib-resnet34', core.models.embedders.get('dlib-resnet34').template],
    ['mobilefacenet', pretrained.ARCFACE_TEMPLATE_112],
  ]) {
    const label = `${id} → ${embedder} ${template.size[0]}×${template.size[1]}`;
    console.log(
      `${label}\n  2d all-in: ${stats(run(() => new align.SimilarityAligner().align(image, face, template)))}`,
    );
    for (const [name, aligner, model, points, depth] of [
      ['3d', new align.FrontalAligner('3d'), align.FRONTAL_MODEL_68, face.landmarks],
      ['3d-dense', new align.FrontalAligner('3d', { surface: 'dense' }), align.FRONTAL_MODEL_68_DENSE, face.landmarks],
      [
        'mesh',
        new align.FrontalAligner('mesh'),
        align.FRONTAL_MODEL_MESH,
        face.mesh.map(([x, y]) => [x, y]),
        align.meshDepthInModelFrame(face.mesh),
      ],
    ]) {
      const layout = aligner.layout(model, template);
      const { sources } = align.frontalSources(layout, points, { depth });
      const batch = tf.expandDims(image, 0);
      const weights = align.triangleWeights(layout.plan, sources);
      console.log(
        `  ${name} all-in: ${stats(run(() => aligner.align(image, face, template)))}; warp only: ${stats(
          run(() => align.warpPiecewiseAffine(batch, layout.plan, [sources])),
        )} (${layout.plan.triangles.length / 3} triangles, ${weights.mirrored} mirror-filled)`,
      );
      batch.dispose();
    }
  }
  image.dispose();
}
detector.dispose();
landmarker.dispose();
