#!/usr/bin/env node
// Writes docs/images/landmarks.png: what `detect()` returns for a photo — the detector box, the 468-point FaceMesh
// (grey), the 68 iBUG landmarks (by region) and the five alignment points (red) — on the largest face, cropped.
//
//   npm run build && node scripts/landmarks-figure.mjs [--image FILE] [--out FILE]
//
// Default image: sample1.jpg of @vladmandic/face-api's demo (a dev dependency). Uses the built @facekit/node.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { detect, disposeAll } from '@facekit/node';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : def);
const require = createRequire(import.meta.url);
const demo = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
const image = opt('image', join(demo, 'sample1.jpg'));
const out = opt('out', join(root, 'docs', 'images', 'landmarks.png'));

const [face] = await detect(image);
disposeAll();
if (!face?.landmarks) throw new Error(`no face with landmarks in ${image}`);

// Crop: the box grown by 60%, clipped to the image; drawn at 480 px wide.
const meta = await sharp(image).rotate().metadata();
const { box } = face;
const grow = 0.6;
const left = Math.max(0, Math.round(box.x - (box.width * grow) / 2));
const top = Math.max(0, Math.round(box.y - (box.height * grow) / 2));
const width = Math.min(meta.width - left, Math.round(box.width * (1 + grow)));
const height = Math.min(meta.height - top, Math.round(box.height * (1 + grow)));
const W = 480;
const s = W / width;
const H = Math.round(height * s);
const px = ([x, y]) => [((x - left) * s).toFixed(1), ((y - top) * s).toFixed(1)];

const regions = [
  ['jaw', 0, 17, '#f59e0b'],
  ['brows', 17, 27, '#a855f7'],
  ['nose', 27, 36, '#22c55e'],
  ['eyes', 36, 48, '#0ea5e9'],
  ['mouth', 48, 68, '#ec4899'],
];
const svg = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 28}">`];
svg.push(`<rect y="${H}" width="${W}" height="28" fill="white"/>`);
for (const p of face.mesh ?? []) {
  const [x, y] = px(p);
  svg.push(`<circle cx="${x}" cy="${y}" r="1" fill="#e5e7eb" fill-opacity="0.7"/>`);
}
const b = px([box.x, box.y]);
svg.push(
  `<rect x="${b[0]}" y="${b[1]}" width="${(box.width * s).toFixed(1)}" height="${(box.height * s).toFixed(1)}" ` +
    `fill="none" stroke="#facc15" stroke-width="2"/>`,
);
for (const [, from, to, color] of regions) {
  for (const p of face.landmarks.slice(from, to)) {
    const [x, y] = px(p);
    svg.push(`<circle cx="${x}" cy="${y}" r="2.6" fill="${color}" stroke="black" stroke-width="0.5"/>`);
  }
}
for (const p of face.five ?? []) {
  const [x, y] = px(p);
  svg.push(`<circle cx="${x}" cy="${y}" r="5" fill="none" stroke="#dc2626" stroke-width="2.5"/>`);
}
let x = 8;
const legend = [
  ['box', '#facc15'],
  ['mesh 468', '#9ca3af'],
  ...regions.map(([n, , , c]) => [n, c]),
  ['five', '#dc2626'],
];
for (const [name, color] of legend) {
  svg.push(`<circle cx="${x + 5}" cy="${H + 14}" r="5" fill="${color}"/>`);
  svg.push(`<text x="${x + 14}" y="${H + 19}" font-family="sans-serif" font-size="13">${name}</text>`);
  x += 22 + name.length * 7.5;
}
svg.push('</svg>');

const photo = await sharp(image)
  .rotate()
  .extract({ left, top, width, height })
  .resize(W, H)
  .extend({ bottom: 28, background: 'white' })
  .toBuffer();
mkdirSync(dirname(out), { recursive: true });
await sharp(photo)
  .composite([{ input: Buffer.from(svg.join('')) }])
  .png({ compressionLevel: 9, palette: true })
  .toFile(out);
console.log(`wrote ${out} (${face.landmarks.length} landmarks, ${face.mesh?.length ?? 0} mesh points)`);
