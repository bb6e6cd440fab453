// @ts-check
// Builds the page into dist/: index.html, main.js (esbuild bundle of main.mjs and @facekit/web), models/ (from
// @facekit/models) and wasm/ (tfjs' wasm binaries). Serve dist/ with any static file server:
//   node build.mjs && npx http-server dist   (or python3 -m http.server -d dist)
// `--no-assets` bundles only; `--source` bundles the packages' src/ (no build needed; what the CI smoke test does).
import { copyFileSync, cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
const require = createRequire(import.meta.url);

/**
 * @param {{ assets?: boolean, outdir?: string, source?: boolean }} [options] `source`: bundle the workspace packages'
 *   TypeScript sources (the '@facekit/source' export condition) instead of their dist/, as the tests do.
 */
export async function buildPage(options = {}) {
  const outdir = options.outdir ?? out;
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join(here, 'main.mjs')],
    outfile: join(outdir, 'main.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    metafile: true,
    conditions: options.source ? ['@facekit/source'] : [],
    logLevel: 'warning',
  });
  // A missing export is only a warning to esbuild; for this page it is a broken build.
  if (result.warnings.length) throw new Error(`esbuild: ${result.warnings.map((w) => w.text).join('; ')}`);
  copyFileSync(join(here, 'index.html'), join(outdir, 'index.html'));
  if (options.assets !== false) {
    const models = join(dirname(require.resolve('@facekit/models/package.json')), 'models');
    cpSync(models, join(outdir, 'models'), { recursive: true });
    const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    mkdirSync(join(outdir, 'wasm'));
    for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm'))) {
      copyFileSync(join(wasmDir, f), join(outdir, 'wasm', f));
    }
  }
  return { outdir, bytes: Object.values(result.metafile.outputs).reduce((a, o) => a + o.bytes, 0) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { outdir, bytes } = await buildPage({
    assets: !process.argv.includes('--no-assets'),
    source: process.argv.includes('--source'),
  });
  console.log(`built ${outdir} (main.js ${(bytes / 1024).toFixed(0)} KiB)`);
}
