#!/usr/bin/env node
// Writes docs/images/frontalization-sheet.png: for a few LFW faces, the input | 2D aligned | 3D frontalised ('3d',
// DeepFace-style) | '3d-dense' | 'mesh', each on the default embedder's template (dlib-resnet34's 150×150 chip).
//
//   node packages/align/scripts/sample-sheet.mjs [--images Name_0001,Name_0003] [--scan 120] [--out FILE]
//
// Without --images the faces are picked from LFW View 1 DevTrain people (image 0001 of the first --scan people):
// one near-frontal face and the two most turned faces to each side (yaw read off the fitted affine camera).
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { loadFacekit, modelContext, readImage, repoRoot, useBackend } from './facekit-source.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const LFW = opt('lfw', process.env.FACEKIT_LFW ?? join(repoRoot, '..', 'shared', 'data', 'lfw'));
const OUT = opt('out', join(repoRoot, 'docs', 'images', 'frontalization-sheet.png'));
const SCAN = Number(opt('scan', '120'));

const tf = await useBackend();
let fk;
try {
  fk = await loadFacekit(['pretrained']);
} catch (e) {
  console.error(`(@facekit/pretrained not loadable: ${e.message}; using a template built from the generic face)`);
  fk = await loadFacekit();
}
const { core, align } = fk;
const template = core.models.embedders.has('dlib-resnet34')
  ? core.models.embedders.get('dlib-resnet34').template
  : {
      size: [150, 150],
      source: 'landmarks51',
      points: align.GENERIC_FACE_68.slice(17).map(([x, y]) => [75 + 38 * x, 80 + 38 * y]),
    };
const ctx = await modelContext();
const detector = await core.models.detectors.get('blazeface').create(ctx);
const landmarker = await core.models.landmarkers.get('facemesh').create(ctx);

/** Yaw in degrees from the affine camera fitted to the 68 landmarks (sign: + when the nose points image-right). */
function yawOf(landmarks) {
  const P = align.fitAffineCamera(align.GENERIC_FACE_68, landmarks);
  // Row 0 of P ≈ s·[cos θ, ·, −sin θ]·: the z column against the x column.
  return (Math.atan2(-P[2], P[0]) * 180) / Math.PI;
}

async function faceOf(file) {
  const image = await readImage(tf, file);
  const found = await detector.detect(image, { minScore: 0.5 });
  found.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  if (!found.length) {
    image.dispose();
    return undefined;
  }
  const face = await landmarker.refine(image, found[0]);
  if (!face.landmarks) {
    image.dispose();
    return undefined;
  }
  return { image, face, yaw: yawOf(face.landmarks) };
}

const imageFile = (id) => {
  const m = /^(.*)_(\d{4})$/.exec(id);
  if (!m) throw new Error(`expected Name_NNNN, got ${id}`);
  return join(LFW, 'images', m[1], `${id}.jpg`);
};

let picked;
if (opt('images')) {
  picked = [];
  for (const id of opt('images').split(',')) {
    const f = await faceOf(imageFile(id));
    if (f) picked.push({ id, ...f });
  }
} else {
  const people = (await import('node:fs')).readFileSync(join(LFW, 'peopleDevTrain.txt'), 'utf8').trim().split(/\r?\n/);
  const scanned = [];
  for (const line of people.slice(1, SCAN + 1)) {
    const id = `${line.split('\t')[0]}_0001`;
    const f = await faceOf(imageFile(id));
    if (!f) continue;
    scanned.push({ id, yaw: f.yaw });
    f.image.dispose();
  }
  scanned.sort((a, b) => a.yaw - b.yaw);
  const frontal = scanned.reduce((best, s) => (Math.abs(s.yaw) < Math.abs(best.yaw) ? s : best));
  const ids = [scanned[0], scanned[1], frontal, scanned[scanned.length - 2], scanned[scanned.length - 1]].map(
    (s) => s.id,
  );
  picked = [];
  for (const id of ids) picked.push({ id, ...(await faceOf(imageFile(id))) });
}

const aligners = [];
for (const name of ['2d', '3d', '3d-dense', 'mesh'])
  aligners.push([name, await core.models.aligners.get(name).create(ctx)]);
const [th, tw] = template.size;
const columns = 1 + aligners.length;
const label = 18;
const rows = [];
for (const { id, image, face, yaw } of picked) {
  // Input: the whole image, scaled to the template height, with the 68 landmarks.
  const [ih, iw] = image.shape;
  const s = th / ih;
  const dots = face.landmarks
    .map(
      ([x, y]) => `<circle cx="${((x + 0.5) * s).toFixed(1)}" cy="${((y + 0.5) * s).toFixed(1)}" r="1" fill="#0f0"/>`,
    )
    .join('');
  const inputPng = await sharp(Buffer.from(await image.data()), { raw: { width: iw, height: ih, channels: 3 } })
    .resize(Math.round(iw * s), th)
    .composite([
      {
        input: Buffer.from(
          `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.round(iw * s)}" height="${th}">${dots}</svg>`,
        ),
      },
    ])
    .resize(tw, th, { fit: 'cover' })
    .png()
    .toBuffer();
  const tiles = [inputPng];
  for (const [, aligner] of aligners) {
    const out = aligner.align(image, face, template);
    const bytes = tf.tidy(() => tf.cast(tf.clipByValue(tf.round(out), 0, 255), 'int32').dataSync());
    out.dispose();
    tiles.push(
      await sharp(Buffer.from(Uint8Array.from(bytes)), { raw: { width: tw, height: th, channels: 3 } })
        .png()
        .toBuffer(),
    );
  }
  rows.push({ id, yaw, tiles });
  image.dispose();
}

const W = columns * tw;
const H = label + rows.length * (th + label);
const text = (x, y, t) =>
  `<text x="${x}" y="${y}" font-family="sans-serif" font-size="12" fill="#fff">${t.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`;
const labels = [
  ...['input (68 landmarks)', ...aligners.map(([n]) => `align: '${n}'`)].map((t, i) => text(i * tw + 4, 13, t)),
  ...rows.map((r, k) => text(4, label + k * (th + label) + 13, `${r.id}  (yaw ≈ ${r.yaw.toFixed(0)}°)`)),
].join('');
mkdirSync(dirname(OUT), { recursive: true });
await sharp({ create: { width: W, height: H, channels: 3, background: '#202020' } })
  .composite([
    {
      input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${labels}</svg>`),
      left: 0,
      top: 0,
    },
    ...rows.flatMap((r, k) =>
      r.tiles.map((input, c) => ({ input, left: c * tw, top: label + k * (th + label) + label })),
    ),
  ])
  .png({ compressionLevel: 9, palette: true, quality: 90, effort: 10 })
  .toFile(OUT);
console.error(`wrote ${OUT}: ${rows.map((r) => `${r.id} (${r.yaw.toFixed(0)}°)`).join(', ')}`);
detector.dispose();
landmarker.dispose();
