#!/usr/bin/env node
// Writes docs/images/analyze-sheet.png: a grid of LFW faces, each labelled with what `analyze()` says (age, gender,
// dominant emotion) — the picture of docs/guide/analyze.md. Needs the build (npm run build -w @facekit/node).
//
//   node packages/node/scripts/analyze-sheet.mjs [--lfw DIR] [--count 12] [--out FILE]
//
// Faces: image 0001 of the first --count people of LFW View 1 DevTest (peopleDevTest.txt) with ≥ 4 photos, in file
// order — no choosing by result.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { analyze, disposeAll, disposeAnalysis } from '@facekit/node';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const LFW = opt('lfw', process.env.FACEKIT_LFW ?? join(repoRoot, '..', 'shared', 'data', 'lfw'));
const OUT = opt('out', join(repoRoot, 'docs', 'images', 'analyze-sheet.png'));
const COUNT = Number(opt('count', '12'));
const TILE = 168;
const COLS = 4;
const LABEL = 40;

const people = readFileSync(join(LFW, 'peopleDevTest.txt'), 'utf8')
  .split('\n')
  .map((l) => l.trim().split(/\s+/))
  .filter((f) => f.length === 2 && Number(f[1]) >= 4)
  .slice(0, COUNT)
  .map(([name]) => name);

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const tiles = [];
for (const name of people) {
  const file = join(LFW, 'images', name, `${name}_0001.jpg`);
  const [a] = await analyze(file, { actions: ['age', 'gender', 'emotion'], pick: 'central' });
  const { box } = a.face;
  const meta = await sharp(file).metadata();
  const side = Math.round(1.3 * Math.max(box.width, box.height));
  const left = Math.max(0, Math.round(box.x + box.width / 2 - side / 2));
  const top = Math.max(0, Math.round(box.y + box.height / 2 - side / 2));
  const w = Math.min(side, meta.width - left);
  const h = Math.min(side, meta.height - top);
  const face = await sharp(file).extract({ left, top, width: w, height: h }).resize(TILE, TILE).toBuffer();
  const line1 = `${Math.round(a.age)} y · ${a.gender.label} ${(100 * a.gender.score).toFixed(0)}%`;
  const line2 = `${a.emotion.dominant} ${(100 * a.emotion.scores[a.emotion.dominant]).toFixed(0)}%`;
  const svg = `<svg width="${TILE}" height="${TILE + LABEL}" xmlns="http://www.w3.org/2000/svg">
    <rect x="0" y="${TILE}" width="${TILE}" height="${LABEL}" fill="#111"/>
    <text x="6" y="${TILE + 16}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#fff">${esc(line1)}</text>
    <text x="6" y="${TILE + 33}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#9cf">${esc(line2)}</text>
  </svg>`;
  tiles.push(
    await sharp({ create: { width: TILE, height: TILE + LABEL, channels: 3, background: '#111' } })
      .composite([
        { input: face, left: 0, top: 0 },
        { input: Buffer.from(svg), left: 0, top: 0 },
      ])
      .png()
      .toBuffer(),
  );
  console.log(`${name}: ${line1}, ${line2}`);
}
const rows = Math.ceil(tiles.length / COLS);
const gap = 4;
await sharp({
  create: {
    width: COLS * (TILE + gap) + gap,
    height: rows * (TILE + LABEL + gap) + gap,
    channels: 3,
    background: '#fff',
  },
})
  .composite(
    tiles.map((t, i) => ({
      input: t,
      left: gap + (i % COLS) * (TILE + gap),
      top: gap + Math.floor(i / COLS) * (TILE + LABEL + gap),
    })),
  )
  .png({ palette: true, quality: 90 })
  .toFile(OUT);
console.log(`wrote ${OUT}`);
await disposeAnalysis();
disposeAll();
