#!/usr/bin/env node
// Release check: what a release would publish.
//   node scripts/release-check.mjs              changeset status + `changeset version` in a throwaway copy + tarballs
//   node scripts/release-check.mjs --pack-only  tarballs only (what `npm test` runs; cheap)
// Tarballs: `npm pack --dry-run --json` for every public workspace package; prints each one's files and size and
// FAILS when a tarball holds a file outside the package's allow-list (tests, fixtures, sources, weights not meant
// to ship) or misses its README / dist entry points.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packOnly = process.argv.includes('--pack-only');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

/** Files every package may ship; per-package additions below. */
const COMMON = [/^package\.json$/, /^README\.md$/, /^LICENSE(\.md)?$/, /^NOTICE\.md$/, /^CHANGELOG\.md$/];
const DIST = /^dist\/[^/]+\.(js|cjs|mjs|d\.ts|d\.cts|d\.mts|js\.map|cjs\.map|mjs\.map)$/;
const ALLOW = {
  '@facekit/models': [/^models\/[^/]+\.(json|bin|dat)$/, /^models\/[^/]+-shard\d+$/], // face-api's shards have no extension
  '@facekit/node': [DIST, /^bin\/[^/]+\.mjs$/],
};
/** Never shipped, whatever the allow-list says. */
const DENY = [/(^|\/)test(s)?\//, /\.test\.[cm]?[jt]s$/, /(^|\/)fixtures?\//, /(^|\/)src\//, /\.h5$/, /\.tsbuildinfo$/];

function workspaces() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const dirs = [];
  for (const pattern of pkg.workspaces) {
    const base = pattern.replace(/\/\*$/, '');
    for (const d of readdirSync(join(root, base), { withFileTypes: true })) {
      if (d.isDirectory() && existsSync(join(root, base, d.name, 'package.json'))) dirs.push(join(base, d.name));
    }
  }
  return dirs.map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) }));
}

function checkTarballs() {
  const pub = workspaces().filter((w) => !w.pkg.private);
  const args = ['pack', '--dry-run', '--json', '--ignore-scripts', ...pub.flatMap((w) => ['-w', w.dir])];
  const out = execFileSync(npm, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const reports = JSON.parse(out);
  const problems = [];
  let total = 0;
  for (const r of reports) {
    const allow = [...COMMON, ...(ALLOW[r.name] ?? [DIST])];
    total += r.size;
    console.log(
      `\n${r.name}@${r.version}: ${r.entryCount} files, tarball ${kib(r.size)}, unpacked ${kib(r.unpackedSize)}`,
    );
    for (const f of r.files) {
      const bad = DENY.some((re) => re.test(f.path)) || !allow.some((re) => re.test(f.path));
      console.log(`  ${bad ? '✗' : ' '} ${f.path.padEnd(48)} ${kib(f.size).padStart(11)}`);
      if (bad) problems.push(`${r.name}: ${f.path} is not meant to ship`);
    }
    const paths = new Set(r.files.map((f) => f.path));
    if (!paths.has('README.md')) problems.push(`${r.name}: no README.md in the tarball`);
    const w = pub.find((p) => p.pkg.name === r.name);
    // On the npm page a relative link resolves against nothing: README links must be absolute (or anchors).
    const readmePath = join(root, w.dir, 'README.md');
    const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
    for (const [, target] of readme.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!/^(https?:|mailto:|#)/.test(target)) problems.push(`${r.name}: README link ${target} is relative`);
    }
    if (!w?.pkg.repository) problems.push(`${r.name}: no "repository" in package.json`);
    for (const entry of [w?.pkg.main, w?.pkg.module, w?.pkg.types].filter(Boolean)) {
      if (!paths.has(entry.replace(/^\.\//, '')))
        problems.push(`${r.name}: entry ${entry} missing (run npm run build)`);
    }
  }
  console.log(`\n${reports.length} public packages, ${kib(total)} of tarballs`);
  return problems;
}

function changesets() {
  const bin = join(root, 'node_modules', '@changesets', 'cli', 'bin.js');
  console.log('$ changeset status');
  spawnSync(process.execPath, [bin, 'status', '--verbose'], { cwd: root, stdio: 'inherit' });
  // `changeset version` rewrites package.json files and consumes the changesets: run it in a throwaway copy.
  const tmp = mkdtempSync(join(tmpdir(), 'facekit-release-'));
  try {
    cpSync(join(root, 'package.json'), join(tmp, 'package.json'));
    cpSync(join(root, '.changeset'), join(tmp, '.changeset'), { recursive: true });
    for (const { dir } of workspaces()) {
      mkdirSync(join(tmp, dir), { recursive: true });
      cpSync(join(root, dir, 'package.json'), join(tmp, dir, 'package.json'));
      if (existsSync(join(root, dir, 'CHANGELOG.md')))
        cpSync(join(root, dir, 'CHANGELOG.md'), join(tmp, dir, 'CHANGELOG.md'));
    }
    console.log('\n$ changeset version   (in a throwaway copy)');
    const r = spawnSync(process.execPath, [bin, 'version'], { cwd: tmp, stdio: 'inherit' });
    if (r.status !== 0) return ['changeset version failed'];
    for (const { dir, pkg } of workspaces()) {
      const next = JSON.parse(readFileSync(join(tmp, dir, 'package.json'), 'utf8')).version;
      console.log(
        `  ${pkg.name.padEnd(32)} ${pkg.version} → ${next}${pkg.private ? '  (private, not published)' : ''}`,
      );
    }
    return [];
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const problems = [...(packOnly ? [] : changesets()), ...checkTarballs()];
if (problems.length) {
  console.error(`\nrelease check FAILED:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('release check passed');
