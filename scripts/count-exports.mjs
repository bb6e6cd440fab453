#!/usr/bin/env node
// Counts the value exports of the public entry points of @facekit/node and @facekit/web (from src, through the
// '@facekit/source' condition, or from dist with --dist): how big the surface is that an application sees.
// Usage: node scripts/count-exports.mjs [--dist] [--list]
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const list = process.argv.includes('--list');

/** Value and type exports of one source entry, by the TypeScript checker (no build, no tfjs loaded). */
function count(file) {
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    customConditions: ['@facekit/source'],
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const sym = checker.getSymbolAtLocation(program.getSourceFile(file));
  const values = [];
  const types = [];
  for (const e of sym ? checker.getExportsOfModule(sym) : []) {
    const s = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    (s.flags & ts.SymbolFlags.Value ? values : types).push(e.getName());
  }
  return { values: values.sort(), types: types.sort() };
}

for (const pkg of ['node', 'web']) {
  const dir = join(root, 'packages', pkg);
  const exports = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).exports;
  for (const [sub, target] of Object.entries(exports)) {
    const src = typeof target === 'object' ? target['@facekit/source'] : undefined;
    if (!src) continue;
    const { values, types } = count(join(dir, src));
    console.log(`@facekit/${pkg}${sub.slice(1)}: ${values.length} values, ${types.length} types`);
    if (list) console.log(`  values: ${values.join(', ')}`);
  }
}
