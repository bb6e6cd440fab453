#!/usr/bin/env node
// Every public export of every package (the symbols its entry points export, declared in that package's own src/)
// must carry a doc comment with an `@example`. Uses the TypeScript compiler API; no build needed.
// Usage: node scripts/check-doc-examples.mjs [--list] [--update-baseline]
// scripts/doc-examples-baseline.txt lists exports still waiting for their example (code other people had in flight
// when the check was introduced). Anything missing that is not listed there fails; listed ones that now have an
// example are reported so the list can shrink (`--update-baseline` rewrites it to what is still missing).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const list = process.argv.includes('--list');
const update = process.argv.includes('--update-baseline');
const baselineFile = join(root, 'scripts', 'doc-examples-baseline.txt');
const baseline = new Set(
  existsSync(baselineFile)
    ? readFileSync(baselineFile, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [],
);

/** Entry points of a package: the '@facekit/source' targets of its package.json exports. */
function entries(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const out = [];
  for (const target of Object.values(pkg.exports ?? {})) {
    const src = typeof target === 'object' && target ? target['@facekit/source'] : undefined;
    if (src) out.push({ pkg: pkg.name, file: join(dir, src) });
  }
  return out;
}

const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'packages', d.name, 'package.json')))
  .map((d) => join(root, 'packages', d.name));
const all = packages.flatMap(entries);

const program = ts.createProgram(
  all.map((e) => e.file),
  {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    customConditions: ['@facekit/source'],
    allowJs: false,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  },
);
const checker = program.getTypeChecker();

function hasExample(decl) {
  for (const tag of ts.getJSDocTags(decl)) if (tag.tagName.text === 'example') return true;
  // A variable's comment sits on its statement; so does that of names destructured in one statement
  // (`export const { verify, detect } = platform;` documents them together).
  let v = decl;
  while (v && ts.isBindingElement(v)) v = v.parent?.parent;
  if (v && ts.isVariableDeclaration(v) && v.parent?.parent && ts.isVariableStatement(v.parent.parent)) {
    return ts.getJSDocTags(v.parent.parent).some((t) => t.tagName.text === 'example');
  }
  return false;
}

const missing = [];
let checked = 0;
for (const { pkg, file } of all) {
  const sf = program.getSourceFile(file);
  if (!sf) throw new Error(`cannot load ${file}`);
  const srcDir = file.slice(0, file.lastIndexOf('/src/') + 4); // the package's src/, also for entries below it
  const moduleSymbol = checker.getSymbolAtLocation(sf);
  if (!moduleSymbol) continue;
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decls = (symbol.declarations ?? []).filter((d) => {
      const f = d.getSourceFile().fileName;
      return f.startsWith(srcDir + '/') && !f.includes('/node_modules/');
    });
    if (!decls.length) continue; // re-exported from another package: checked there
    checked++;
    if (decls.some(hasExample)) continue;
    const d = decls[0];
    const sfile = d.getSourceFile();
    const { line } = sfile.getLineAndCharacterOfPosition(d.getStart());
    missing.push({ key: `${pkg}: ${exported.getName()}`, where: `${relative(root, sfile.fileName)}:${line + 1}` });
  }
}

const byKey = new Map(missing.map((m) => [m.key, m]));
if (update) {
  const header = '# Public exports still without a doc comment with @example (see scripts/check-doc-examples.mjs).\n';
  writeFileSync(baselineFile, `${header}${[...byKey.keys()].sort().join('\n')}\n`);
  console.log(`check-doc-examples: baseline rewritten with ${byKey.size} entries`);
  process.exit(0);
}
const fresh = [...byKey.values()].filter((m) => !baseline.has(m.key));
const done = [...baseline].filter((k) => !byKey.has(k));
if (list)
  for (const m of byKey.values()) console.log(`${m.key} (${m.where})${baseline.has(m.key) ? ' [baseline]' : ''}`);
if (done.length) {
  console.log(
    `check-doc-examples: ${done.length} baseline entries now have an example or are gone; run with --update-baseline`,
  );
}
if (fresh.length) {
  for (const m of fresh) console.error(`missing @example: ${m.key} (${m.where})`);
  console.error(`check-doc-examples: ${fresh.length} public exports have no doc comment with @example`);
  process.exit(1);
}
console.log(
  `check-doc-examples: ${checked - byKey.size} of ${checked} public exports have a doc comment with @example` +
    (byKey.size ? `; ${byKey.size} listed in scripts/doc-examples-baseline.txt still to do` : ''),
);
