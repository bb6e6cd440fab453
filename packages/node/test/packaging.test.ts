// The published shape: `npm pack` every publishable workspace package, install the tarballs into a fresh app
// outside the monorepo (dependencies from the npm registry), and call verify() there as a user would.
import { execFile } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveShared, lfwDir, lfwImage, repoRoot } from '../../../test/utils.js';
import { buildPackages } from './build.js';

const exec = promisify(execFile);

/** The named subpaths of @facekit/node beside its root (package.json `exports`). */
const SUBPATHS = ['gallery', 'bench', 'train', 'advanced'] as const;

/** The environment without npm's per-run variables (set when the tests run under `npm test`). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && !k.startsWith('VITEST')) env[k] = v;
  env.FACEKIT_TEST_BACKEND = undefined;
  return env;
}

function publishable(): Array<{ name: string; dir: string }> {
  return readdirSync(join(repoRoot, 'packages'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ dir: join(repoRoot, 'packages', d.name), pkg: join(repoRoot, 'packages', d.name, 'package.json') }))
    .map(({ dir, pkg }) => ({ dir, json: JSON.parse(readFileSync(pkg, 'utf8')) }))
    .filter(({ json }) => !json.private)
    .map(({ dir, json }) => ({ name: json.name as string, dir }));
}

/** Bytes of every file under a folder (links not followed), as `du --apparent-size` would count them. */
function folderBytes(dir: string): number {
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) bytes += lstatSync(join(e.parentPath, e.name)).size;
  }
  return bytes;
}

const timings: Record<string, number> = {};
async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    timings[label] = Math.round(performance.now() - t0);
  }
}

describe.runIf(haveShared(lfwDir, 'LFW'))('packaging: npm pack → npm install → verify()', () => {
  const work = mkdtempSync(join(tmpdir(), 'facekit-pack-'));
  const tarballs = join(work, 'tarballs');
  const app = join(work, 'app');
  let packed: Array<{ name: string; filename: string; files: Array<{ path: string }> }> = [];

  beforeAll(async () => {
    await timed('build', () => buildPackages('*'));
    mkdirSync(tarballs);
    const names = publishable().map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['@facekit/core', '@facekit/node', '@facekit/models']));
    const { stdout } = await timed('pack', () =>
      exec('npm', ['pack', '--json', '--pack-destination', tarballs, ...names.flatMap((n) => ['-w', n])], {
        cwd: repoRoot,
        env: cleanEnv(),
        maxBuffer: 64 << 20,
      }),
    );
    packed = JSON.parse(stdout);
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'facekit-pack-app', private: true, type: 'module' }),
    );
    const files = packed.map((p) => join(tarballs, p.filename));
    await timed('install', () =>
      exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...files], {
        cwd: app,
        env: cleanEnv(),
        maxBuffer: 64 << 20,
      }),
    );
    // What a user's `npm install @facekit/node` costs, measured before the TypeScript tools below are added.
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
    footprint.packages = Object.keys(lock.packages).filter((k) => k !== '').length;
    footprint.megabytes = Math.round(folderBytes(join(app, 'node_modules')) / 1e5) / 10;
    console.log(
      `packaging: install of the packed tarballs = ${footprint.packages} packages, ${footprint.megabytes} MB in node_modules`,
    );
    // A TypeScript user's tools (the project's own compiler version and Node types), none of facekit's optional peers.
    const tsVersion = JSON.parse(readFileSync(join(repoRoot, 'node_modules/typescript/package.json'), 'utf8')).version;
    await timed('install-ts', () =>
      exec(
        'npm',
        ['install', '--no-audit', '--no-fund', '--prefer-offline', '-D', `typescript@${tsVersion}`, '@types/node@20'],
        { cwd: app, env: cleanEnv(), maxBuffer: 64 << 20 },
      ),
    );
  }, 600_000);

  const footprint = { packages: 0, megabytes: 0 };

  afterAll(() => {
    console.log(`packaging timings (ms): ${JSON.stringify(timings)}`);
    rmSync(work, { recursive: true, force: true });
  });

  it('packs built code and model files, not sources or tests', () => {
    const node = packed.find((p) => p.name === '@facekit/node');
    const paths = node?.files.map((f) => f.path) ?? [];
    expect(paths).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.cjs',
        'dist/cli.js',
        'bin/facekit.mjs',
        ...SUBPATHS.flatMap((sub) => [`dist/${sub}.js`, `dist/${sub}.cjs`, `dist/${sub}.d.ts`, `dist/${sub}.d.cts`]),
      ]),
    );
    expect(paths.some((p) => p.startsWith('src/') || p.startsWith('test/'))).toBe(false);
    // The face-api comparison is built for the bench only (bench-workers/), never shipped.
    expect(paths.filter((p) => /face-?api|bench-workers/i.test(p))).toEqual([]);
    const models = packed.find((p) => p.name === '@facekit/models')?.files.map((f) => f.path) ?? [];
    expect(models).toEqual(
      expect.arrayContaining(['models/blazeface-back.json', 'models/dlib_face_recognition_resnet_model_v1.dat']),
    );
    expect(models.some((p) => p.includes('mobilefacenet'))).toBe(false); // not registered, not bundled
  });

  it.each(['esm', 'cjs'] as const)(
    'the root and every subpath load (%s); the root is the application API, without the CLI or pool packages',
    async (mod) => {
      const subs = ['', ...SUBPATHS.map((x) => `/${x}`)];
      // What a bare import of the root pulls in: ESM through a resolve hook that names each package it loads,
      // CJS from require.cache. Both then load every subpath.
      writeFileSync(
        join(app, 'hooks.mjs'),
        [
          'export async function resolve(spec, ctx, next) {',
          '  const r = await next(spec, ctx);',
          '  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url);',
          "  if (m) process.stderr.write('LOADED ' + m[1] + '\\n');",
          '  return r;',
          '}',
        ].join('\n'),
      );
      writeFileSync(
        join(app, 'register.mjs'),
        "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
      );
      const load = mod === 'esm' ? '(s) => import(s)' : '(s) => Promise.resolve(require(s))';
      writeFileSync(
        join(app, mod === 'esm' ? 'subpaths.mjs' : 'subpaths.cjs'),
        [
          `const load = ${load};`,
          '(async () => {',
          "  const root = await load('@facekit/node');",
          mod === 'cjs'
            ? '  const loaded = Object.keys(require.cache).map((f) => /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)[\\\\/]/.exec(f)?.[1]).filter(Boolean);'
            : '  const loaded = [];',
          '  const keys = {};',
          `  for (const sub of ${JSON.stringify(subs)}) keys[sub || '.'] = Object.keys(await load('@facekit/node' + sub)).length;`,
          "  const adv = await load('@facekit/node/advanced');",
          // Subpaths share one module state: one FaceKitError class, one platform (one pipeline cache).
          '  const same = root.FaceKitError === adv.FaceKitError && root.verify === adv.nodePlatform.verify;',
          '  console.log(JSON.stringify({ keys, same, loaded: [...new Set(loaded)] }));',
          '})();',
        ].join('\n'),
      );
      const { stdout } = await exec(process.execPath, [mod === 'esm' ? 'subpaths.mjs' : 'subpaths.cjs'], {
        cwd: app,
        env: cleanEnv(),
      });
      const r = JSON.parse(stdout);
      let loaded: string[] = r.loaded;
      if (mod === 'esm') {
        // The root alone, in its own process: every package the hook saw resolve.
        writeFileSync(join(app, 'root-only.mjs'), "await import('@facekit/node');\n");
        const { stderr } = await exec(process.execPath, ['--import', './register.mjs', 'root-only.mjs'], {
          cwd: app,
          env: cleanEnv(),
        });
        loaded = [...stderr.matchAll(/LOADED (\S+)/g)].map((m) => m[1]);
      }
      expect(loaded).toContain('@facekit/core'); // the check sees what loads
      for (const heavy of ['commander', 'cli-progress', 'piscina', '@vladmandic/face-api']) {
        expect(loaded).not.toContain(heavy);
      }
      expect(r.same).toBe(true);
      expect(r.keys['.']).toBeLessThanOrEqual(40);
      for (const sub of SUBPATHS) expect(r.keys[`/${sub}`]).toBeGreaterThan(0);
    },
  );

  it('a published bench without its face-api worker fails with E_DEPENDENCY before any work', async () => {
    const r = await exec(
      join(app, 'node_modules', '.bin', 'facekit'),
      ['bench', 'speed', '--images', lfwDir, '--limit', '1'],
      { cwd: app, env: cleanEnv() },
    ).catch((e) => e);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^facekit: E_DEPENDENCY: the face-api comparison runs only from a facekit checkout/);
  });

  // Loads the package the way each module system does, timing the load, then verifies two pairs.
  const script = (mod: 'esm' | 'cjs') =>
    [
      'const t0 = performance.now();',
      mod === 'esm'
        ? "const { verify } = await import('@facekit/node');"
        : "const { verify } = require('@facekit/node');",
      'const loadMs = Math.round(performance.now() - t0);',
      'const [a, b, c] = process.argv.slice(2);',
      '(async () => {',
      '  const same = await verify(a, b);',
      '  const different = await verify(a, c);',
      '  console.log(JSON.stringify({ loadMs, same, different }));',
      '})();',
    ].join('\n');

  it.each(['esm', 'cjs'] as const)('verify() in a fresh app (%s): same person and different people', async (mod) => {
    const file = mod === 'esm' ? 'verify.mjs' : 'verify.cjs';
    writeFileSync(join(app, file), script(mod));
    const [a, b, c] = [lfwImage('Abdullah_Gul', 13), lfwImage('Abdullah_Gul', 14), lfwImage('Aaron_Eckhart', 1)];
    const { stdout, stderr } = await timed(`verify-${mod}`, () =>
      exec(process.execPath, [file, a, b, c], { cwd: app, env: cleanEnv() }),
    );
    const { loadMs, same, different } = JSON.parse(stdout);
    console.log(`packaging: loading @facekit/node (${mod}) took ${loadMs} ms`);
    for (const r of [same, different]) {
      expect(r.embedder).toBe('dlib-resnet34');
      expect(r.detector).toBe('blazeface');
      expect(r.backend).toBe('wasm'); // tfjs-node is not installed: the WASM backend
      expect(r.faces.img1.faceCount).toBeGreaterThanOrEqual(1);
      expect(r.threshold).toBeGreaterThan(0);
    }
    expect(same.verified).toBe(true);
    expect(same.distance).toBeLessThan(same.threshold);
    expect(different.verified).toBe(false);
    expect(different.distance).toBeGreaterThan(different.threshold);
    expect(stderr).toBe('');
  });

  it('the published types compile (strict, module nodenext, skipLibCheck false) from .mts and .cts, no peers', async () => {
    writeFileSync(
      join(app, 'check.mts'),
      [
        "import { FaceKitError, openGallery, verify, type VerifyResult } from '@facekit/node';",
        "import { NODE_OPTIONS, nodeModelContext } from '@facekit/node/advanced';",
        "import { benchGallery, type BenchGalleryResult, rocCurve } from '@facekit/node/bench';",
        "import { PgGallery, type PersistentGallery } from '@facekit/node/gallery';",
        "const r: VerifyResult = await verify('a.jpg', 'b.jpg');",
        'export const distance: number = r.distance;',
        'export type { BenchGalleryResult, PersistentGallery };',
        'export { FaceKitError, openGallery, PgGallery, NODE_OPTIONS, nodeModelContext, rocCurve, benchGallery };',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'check.cts'),
      [
        "import { FaceKitError, verify } from '@facekit/node';",
        "import { SqliteGallery } from '@facekit/node/gallery';",
        "import { syntheticFaces } from '@facekit/node/bench';",
        "import { EmbedPool } from '@facekit/node/advanced';",
        'export { SqliteGallery, syntheticFaces, EmbedPool };',
        'export async function same(a: string, b: string): Promise<boolean> {',
        '  try {',
        '    return (await verify(a, b)).verified;',
        '  } catch (e) {',
        "    if (e instanceof FaceKitError && e.code === 'E_NO_FACE') return false;",
        '    throw e;',
        '  }',
        '}',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', skipLibCheck: false, noEmit: true },
        files: ['check.mts', 'check.cts'],
      }),
    );
    const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = await timed('tsc', () =>
      exec(process.execPath, [tsc, '-p', '.'], { cwd: app, env: cleanEnv() }).catch((e) => e),
    );
    expect(`${r.stdout ?? ''}${r.stderr ?? ''}`).toBe('');
    for (const peer of ['pg', '@types/pg', 'better-sqlite3', 'usearch', '@tensorflow/tfjs-node']) {
      expect(existsSync(join(app, 'node_modules', peer))).toBe(false);
    }
    // '@facekit/node/train' reaches the Keras import's types, and h5wasm's bundled emscripten.d.ts redeclares the
    // globals of @types/emscripten (an upstream conflict, whichever entry leads there): that subpath is checked with
    // skipLibCheck, its own declarations strictly.
    writeFileSync(
      join(app, 'check-train.mts'),
      [
        "import { faceFolderDataset, readPeopleFile, trainTriplet, type TripletTrainOptions } from '@facekit/node/train';",
        "import { trainClassifier } from '@facekit/node/train';",
        'export type { TripletTrainOptions };',
        'export { faceFolderDataset, readPeopleFile, trainTriplet, trainClassifier };',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'check-train.cts'),
      "import { trainClassifier } from '@facekit/node/train';\nexport const train: typeof trainClassifier = trainClassifier;\n",
    );
    writeFileSync(
      join(app, 'tsconfig.train.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', skipLibCheck: true, noEmit: true },
        files: ['check-train.mts', 'check-train.cts'],
      }),
    );
    const train = await exec(process.execPath, [tsc, '-p', 'tsconfig.train.json'], { cwd: app, env: cleanEnv() }).catch(
      (e) => e,
    );
    expect(`${train.stdout ?? ''}${train.stderr ?? ''}`).toBe('');
  });

  it('a lean install: no native gallery packages, the gallery API says what to install', async () => {
    // better-sqlite3, usearch and pg are optional peers: npm must not install (or compile) them.
    for (const dep of ['better-sqlite3', 'usearch', 'pg'])
      expect(existsSync(join(app, 'node_modules', dep))).toBe(false);
    writeFileSync(
      join(app, 'gallery.mjs'),
      [
        "import { Gallery, openGallery } from '@facekit/node';",
        "import { UsearchIndex } from '@facekit/node/gallery';",
        'const g = new Gallery();',
        "g.enroll('ada', { vector: Float32Array.of(1, 0), embedder: 'toy' });",
        "const label = g.identify({ vector: Float32Array.of(0.9, 0.1), embedder: 'toy' }).label;",
        'const codes = [];',
        "for (const f of [() => openGallery('g.db'), () => new UsearchIndex(2)]) {",
        "  try { await f(); } catch (e) { codes.push(e.code + ' ' + e.message); }",
        '}',
        'console.log(JSON.stringify({ label, codes }));',
      ].join('\n'),
    );
    const { stdout } = await exec(process.execPath, ['gallery.mjs'], { cwd: app, env: cleanEnv() });
    const { label, codes } = JSON.parse(stdout);
    expect(label).toBe('ada');
    expect(codes).toEqual([
      expect.stringMatching(/^E_DEPENDENCY .*npm install better-sqlite3$/),
      expect.stringMatching(/^E_DEPENDENCY .*npm install usearch$/),
    ]);
    // The default approximate index needs no native package: the packaged WebAssembly kernel answers (9,000
    // vectors: past its 8,192 training vectors).
    const bench = await exec(
      join(app, 'node_modules', '.bin', 'facekit'),
      ['bench', 'gallery', '--size', '9000', '--dim', '16', '--queries', '20', '--json'],
      { cwd: app, env: cleanEnv() },
    );
    const r = JSON.parse(bench.stdout);
    expect(r).toMatchObject({ size: 9000, exact: expect.any(Object), ann: { kind: 'pq-scan' } });
    expect(r.ann.recallAt1).toBeGreaterThanOrEqual(0.9);
  });

  // The layers beside the runtime: each subpath loads in both module systems and types, shares the runtime's
  // FaceKitError (one class across entries), and only a training entry registers gradients and kernels.
  it.each(['esm', 'cjs'] as const)('the eval and training subpaths load (%s), one FaceKitError', async (mod) => {
    const load = (spec: string) => (mod === 'esm' ? `await import('${spec}')` : `require('${spec}')`);
    const body = [
      `const tf = ${load('@tensorflow/tfjs-core')};`,
      `const { FaceKitError } = ${load('@facekit/node')};`,
      `const runtimeGradient = tf.getGradient('Conv2D') !== undefined;`,
      `const { bcubed } = ${load('@facekit/core/eval')};`,
      `const { positiveInteger, runTrainingLoop } = ${load('@facekit/core/training')};`,
      `const { trainTriplet } = ${load('@facekit/facenet/train')};`,
      `const { trainClassifier } = ${load('@facekit/deepface/train')};`,
      'const same = [() => bcubed([0], [0, 1]), () => positiveInteger(0, "n")].map((f) => {',
      '  try { f(); } catch (e) { return e instanceof FaceKitError; }',
      '});',
      'console.log(JSON.stringify({ runtimeGradient, same, trains: [typeof runTrainingLoop, typeof trainTriplet,',
      "  typeof trainClassifier], gradient: tf.getGradient('Conv2D') !== undefined,",
      "  kernel: tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined }));",
    ];
    const file = mod === 'esm' ? 'layers.mjs' : 'layers.cjs';
    writeFileSync(join(app, file), mod === 'esm' ? body.join('\n') : `(async () => {\n${body.join('\n')}\n})();`);
    const { stdout } = await exec(process.execPath, [file], { cwd: app, env: cleanEnv() });
    expect(JSON.parse(stdout)).toEqual({
      runtimeGradient: false,
      same: [true, true],
      trains: ['function', 'function', 'function'],
      gradient: true,
      kernel: true,
    });
    // core's layers with skipLibCheck false; the model packages' training entries with skipLibCheck, as for
    // '@facekit/node/train': their types reach h5wasm's bundled emscripten.d.ts, which clashes with
    // @types/emscripten (so does a plain import of '@facekit/facenet').
    const checks: Array<[string, string[], boolean]> = [
      [
        'layers-check.mts',
        [
          "import { type ScoredPair, rocCurve } from '@facekit/core/eval';",
          "import { type TrainingData, tensorDataset } from '@facekit/core/training';",
          'export const pairs: ScoredPair[] = [];',
          'export type Types = [TrainingData];',
          'export { rocCurve, tensorDataset };',
        ],
        false,
      ],
      [
        'train-check.mts',
        [
          "import { type TripletTrainOptions, trainTriplet } from '@facekit/facenet/train';",
          "import { type TrainOptions, trainClassifier } from '@facekit/deepface/train';",
          'export type Types = [TripletTrainOptions, TrainOptions];',
          'export { trainTriplet, trainClassifier };',
        ],
        true,
      ],
    ];
    const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const [file, lines, skipLibCheck] of checks) {
      writeFileSync(join(app, file), lines.join('\n'));
      writeFileSync(
        join(app, `tsconfig.${file}.json`),
        JSON.stringify({
          compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', skipLibCheck, noEmit: true },
          files: [file],
        }),
      );
      const r = await exec(process.execPath, [tsc, '-p', `tsconfig.${file}.json`], { cwd: app, env: cleanEnv() }).catch(
        (e) => e,
      );
      expect(`${r.stdout ?? ''}${r.stderr ?? ''}`, file).toBe('');
    }
  });

  it('`npx facekit verify` in the app prints one JSON object', async () => {
    const a = lfwImage('Abdullah_Gul', 13);
    const b = lfwImage('Abdullah_Gul', 14);
    const { stdout } = await timed('cli', () =>
      exec('npx', ['--no-install', 'facekit', 'verify', a, b, '--json'], { cwd: app, env: cleanEnv() }),
    );
    const r = JSON.parse(stdout);
    expect(r.verified).toBe(true);
    expect(r.faces.img1.box).toHaveLength(4);
  });
});
