#!/usr/bin/env node
// The CLI acceptance check of issue 2: `npx facekit verify A B --json` on the first 50 matched and the first 50
// mismatched pairs of LFW View 1 pairsDevTest.txt, one process per pair (cold start included), default settings.
// Usage: node scripts/cli-devtest.mjs [LFW_DIR]   (default ../shared/data/lfw or FACEKIT_LFW)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const lfw = resolve(process.argv[2] ?? process.env.FACEKIT_LFW ?? '../shared/data/lfw');
const lines = readFileSync(join(lfw, 'pairsDevTest.txt'), 'utf8').trim().split('\n').slice(1);
const n = Number(lines.length / 2);
const img = (name, i) => join(lfw, 'images', name, `${name}_${String(i).padStart(4, '0')}.jpg`);
const pairs = [
  ...lines.slice(0, 50).map((l) => {
    const [name, i, j] = l.split('\t');
    return { a: img(name, i), b: img(name, j), same: true };
  }),
  ...lines.slice(n, n + 50).map((l) => {
    const [n1, i, n2, j] = l.split('\t');
    return { a: img(n1, i), b: img(n2, j), same: false };
  }),
];
let right = 0;
let failed = 0;
const t0 = Date.now();
for (const [k, p] of pairs.entries()) {
  try {
    const out = execFileSync('npx', ['facekit', 'verify', p.a, p.b, '--json'], { encoding: 'utf8' });
    if (JSON.parse(out).verified === p.same) right++;
  } catch (e) {
    failed++;
    process.stderr.write(`pair ${k}: ${String(e.stderr ?? e.message).trim()}\n`);
  }
  if ((k + 1) % 10 === 0) process.stderr.write(`${k + 1}/100: ${right} right\n`);
}
const s = ((Date.now() - t0) / 1000).toFixed(0);
console.log(JSON.stringify({ pairs: pairs.length, right, failed, seconds: Number(s) }));
