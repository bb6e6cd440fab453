#!/usr/bin/env node
// Draws the ROC curves written by `facekit bench lfw --roc FILE` as an SVG (no dependencies).
//
//   npx facekit bench lfw --data DIR --pairs DIR/pairsDevTest.txt --folds 10 --json --roc roc.json > bench.json
//   node scripts/plot-roc.mjs roc.json [--out docs/images/roc-lfw.svg] [--title TEXT]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : def);
const input = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!input) {
  console.error('usage: node scripts/plot-roc.mjs ROC.json [--out FILE.svg] [--title TEXT]');
  process.exit(2);
}
const out = opt('out', resolve(root, 'docs/images/roc-lfw.svg'));
const roc = JSON.parse(readFileSync(input, 'utf8'));
if (!Array.isArray(roc.curves) || !roc.curves.length) throw new Error(`${input}: no "curves" (bench lfw --roc output)`);
const pairsName = String(roc.pairsFile ?? '')
  .split(/[\\/]/)
  .pop();
const title = opt('title', `LFW ${pairsName} (${roc.pairs} pairs): ROC, default metric`);

const W = 560;
const H = 460;
const m = { left: 56, right: 16, top: 34, bottom: 48 };
const pw = W - m.left - m.right;
const ph = H - m.top - m.bottom;
// FAR on a log axis (10⁻³ … 1): a good embedder's curve hugs the left edge on a linear one. FAR 0 sits on the edge.
const LOG_MIN = -3;
const X = (far) =>
  (m.left + ((Math.max(LOG_MIN, Math.log10(Math.max(far, 1e-12))) - LOG_MIN) / -LOG_MIN) * pw).toFixed(1);
const Y = (tar) => (m.top + (1 - tar) * ph).toFixed(1);
const colors = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

const svg = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  `<title>${esc(title)}</title>`,
  `<rect width="${W}" height="${H}" fill="white"/>`,
  `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
];
for (let e = LOG_MIN; e <= 0; e++) {
  const f = 10 ** e;
  svg.push(`<line x1="${X(f)}" y1="${Y(0)}" x2="${X(f)}" y2="${Y(1)}" stroke="#e5e7eb"/>`);
  svg.push(`<text x="${X(f)}" y="${Number(Y(0)) + 16}" text-anchor="middle">${e === 0 ? '1' : `1e${e}`}</text>`);
}
for (let i = 0; i <= 10; i++) {
  const v = i / 10;
  svg.push(`<line x1="${m.left}" y1="${Y(v)}" x2="${m.left + pw}" y2="${Y(v)}" stroke="#e5e7eb"/>`);
  if (i % 2 === 0) svg.push(`<text x="${m.left - 6}" y="${Number(Y(v)) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
}
svg.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#374151"/>`);
svg.push(
  `<text x="${m.left + pw / 2}" y="${H - 10}" text-anchor="middle">false accept rate (different people accepted), log scale</text>`,
);
svg.push(
  `<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">true accept rate (same person accepted)</text>`,
);
roc.curves.forEach((c, i) => {
  const color = colors[i % colors.length];
  const pts = c.points.map((p) => `${X(p.far)},${Y(p.tar)}`).join(' ');
  svg.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>`);
  const ly = m.top + ph - 14 - (roc.curves.length - 1 - i) * 18;
  const label = `${c.embedder} + ${c.aligner} (${c.metric}): AUC ${c.auc.toFixed(4)}, EER ${(100 * c.eer).toFixed(2)}%`;
  svg.push(
    `<line x1="${m.left + 12}" y1="${ly - 4}" x2="${m.left + 32}" y2="${ly - 4}" stroke="${color}" stroke-width="3"/>`,
  );
  svg.push(`<text x="${m.left + 38}" y="${ly}">${esc(label)}</text>`);
});
svg.push('</svg>');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${svg.join('\n')}\n`);
console.log(`wrote ${out} (${roc.curves.length} curve(s))`);
