// Builds the demo into demo/dist: the page, its Vite bundle (the backends split into lazy chunks), and the files it
// serves itself: model files, tfjs wasm binaries, two sample photos. `node demo/build.mjs [outdir]`.
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, defaultClientConditions } from 'vite';

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
function mainPackages(chunk) {
  const byPackage = {};
  for (const [id, { renderedLength }] of Object.entries(chunk.modules)) {
    const file = id.replace(/^\0/, ''); // \0: Vite's and Rolldown's virtual modules (runtime, preload helper)
    const path = isAbsolute(file) ? relative(join(here, '..'), file).replaceAll('\\', '/') : file;
    const dep = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    const ours = path.match(/^(?:\.\.\/([^/]+)\/)?(?:src|demo)\//); // workspace sources, relative to packages/web
    const name = dep ? dep[1] : ours ? `@facekit/${ours[1] ?? 'web'}` : path;
    byPackage[name] = (byPackage[name] ?? 0) + renderedLength;
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
  const minify = options.minify ?? true;
  const result = await build({
    configFile: false, // the whole config is here
    root: here,
    base: './', // relative URLs: the page works from any path it is served under
    publicDir: false, // models, wasm and samples are copied below, not through Vite
    logLevel: 'warn',
    // Straight from the workspace sources, so the demo needs no `npm run build` first.
    resolve: { conditions: ['@facekit/source', ...defaultClientConditions] },
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      outDir: outdir,
      emptyOutDir: true,
      target: 'es2022',
      minify,
      sourcemap: true,
      assetsDir: '',
      modulePreload: { polyfill: false }, // every browser the demo supports has it
      reportCompressedSize: false, // reported below, with gzip -9
      rolldownOptions: {
        // index.html's entry is main.ts; the wasm and webgl backends are dynamic imports: chunks loaded when chosen.
        output: {
          entryFileNames: 'main.js',
          chunkFileNames: '[name]-[hash].js',
          // Mangle, but don't compress: tfjs-backend-wasm starts its pthread workers from the threaded factory's
          // toString(), outside its scope, and Oxc's compressor folds the factory's `typeof _scriptDir !==
          // 'undefined'` guard into a bare reference, which throws there. Costs ≈ 3% of the gzip size.
          minify: minify ? { compress: false, mangle: true } : false,
        },
      },
    },
  });
  const js = {};
  let totalGzip = 0;
  for (const chunk of [result].flat().flatMap((r) => r.output)) {
    if (chunk.type !== 'chunk') continue;
    const bytes = await readFile(join(outdir, chunk.fileName));
    const gzip = gzipSync(bytes, { level: 9 }).length;
    js[chunk.fileName] = { bytes: bytes.length, gzip, contains: mainPackages(chunk) };
    totalGzip += gzip;
  }
  const dirs = assetDirs();
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
    console.log(`${f.padEnd(30)} ${s.gzip} B gzip  ${s.contains.join(', ')}`);
  console.log(`total JS gzip: ${(info.totalGzip / 1024).toFixed(1)} KiB → ${info.outdir}`);
}
