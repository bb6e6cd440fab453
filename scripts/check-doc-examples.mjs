#!/usr/bin/env node
// Every public export of every package (the symbols its entry points export, declared in that package's own src/)
// must carry a doc comment with an `@example`. Uses the TypeScript compiler API; no build needed.
// Usage: node scripts/check-doc-examples.mjs [--list]   (exit 1 and the missing ones listed when any is missing)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const list = process.argv.includes('--list');

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
  // A variable's comment sits on its statement.
  if (ts.isVariableDeclaration(decl) && decl.parent?.parent && ts.isVariableStatement(decl.parent.parent)) {
    return ts.getJSDocTags(decl.parent.parent).some((t) => t.tagName.text === 'example');
  }
  return false;
}

const missing = [];
let checked = 0;
for (const { pkg, file } of all) {
  const sf = program.getSourceFile(file);
  if (!sf) throw new Error(`cannot load ${file}`);
  const srcDir = join(dirname(file));
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
    missing.push(
      `${pkg}: ${exported.getName()} [${ts.SyntaxKind[d.kind]}] (${relative(root, sfile.fileName)}:${line + 1})`,
    );
  }
}

const unique = [...new Set(missing)];
if (list || unique.length) for (const m of unique) console.log(m);
if (unique.length) {
  console.error(`check-doc-examples: ${unique.length} of ${checked} public exports have no doc comment with @example`);
  process.exit(1);
}
console.log(`check-doc-examples: all ${checked} public exports have a doc comment with @example`);
