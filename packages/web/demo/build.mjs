// Builds the demo into demo/dist: the page, its esbuild bundle (the backends split into lazy chunks), and the files
// it serves itself: model files, tfjs wasm binaries, two sample photos. `node demo/build.mjs [outdir]`.
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Folders the built page needs beside it; models stay out of the bundle (fetched at run time, then cached). */
export function assetDirs() {
  return {
    models: join(dirname(require.resolve('@facekit/models/package.json')), 'models'),
    wasm: dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')),
    samples: join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo'),
  };
}

/** The packages that make up most of an output chunk, largest first, so the size report says what is what. */
function mainPackages(output) {
  const byPackage = {};
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const dep = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    const ours = path.match(/^(?:\.\.\/([^/]+)\/)?(?:src|demo)\//); // workspace sources, relative to packages/web
    const name = dep ? dep[1] : ours ? `@facekit/${ours[1] ?? 'web'}` : path;
    byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
  }
  return Object.entries(byPackage)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name]) => name);
}

/**
 * @param {{ outdir?: string, minify?: boolean }} [options]
 * @returns {Promise<{ outdir: string, js: Record<string, { bytes: number, gzip: number }>, totalGzip: number }>}
 */
export async function buildDemo(options = {}) {
  const outdir = resolve(options.outdir ?? join(here, 'dist'));
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { main: join(here, 'main.ts') },
    bundle: true,
    splitting: true, // wasm and webgl backends become chunks loaded only when chosen
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // Straight from the workspace sources, so the demo needs no `npm run build` first.
    conditions: ['@facekit/source'],
    minify: options.minify ?? true,
    sourcemap: true,
    outdir,
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const js = {};
  let totalGzip = 0;
  for (const file of Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'))) {
    const bytes = await readFile(resolve(file));
    const gzip = gzipSync(bytes, { level: 9 }).length;
    js[file.slice(file.lastIndexOf('/') + 1)] = {
      bytes: bytes.length,
      gzip,
      contains: mainPackages(result.metafile.outputs[file]),
    };
    totalGzip += gzip;
  }
  const dirs = assetDirs();
  await cp(join(here, 'index.html'), join(outdir, 'index.html'));
  await cp(dirs.models, join(outdir, 'models'), { recursive: true });
  await mkdir(join(outdir, 'wasm'));
  for (const f of (await readdir(dirs.wasm)).filter((f) => f.endsWith('.wasm'))) {
    await cp(join(dirs.wasm, f), join(outdir, 'wasm', f));
  }
  await mkdir(join(outdir, 'samples'));
  for (const f of ['sample1.jpg', 'sample2.jpg']) await cp(join(dirs.samples, f), join(outdir, 'samples', f));
  const info = { outdir, js, totalGzip };
  await writeFile(join(outdir, 'build-info.json'), JSON.stringify(info, null, 2));
  return info;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const info = await buildDemo({ outdir: process.argv[2] });
  for (const [f, s] of Object.entries(info.js))
    console.log(`${f.padEnd(24)} ${s.gzip} B gzip  ${s.contains.join(', ')}`);
  console.log(`total JS gzip: ${(info.totalGzip / 1024).toFixed(1)} KiB → ${info.outdir}`);
}
