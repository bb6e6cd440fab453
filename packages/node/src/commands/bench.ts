import { type Command, Option } from 'commander';
import { DEFAULT_EMBEDDER, FaceKitError } from '@facekit/core';
import { benchEnroll, type EnrollBenchReport, type EnrollRun } from '../bench/enroll.js';
import { benchAnalyzeQuality } from '../bench/analyze-quality.js';
import { type AnalyzeSpeedReport, benchAnalyzeSpeed } from '../bench/analyze-speed.js';
import { type LfwBenchReport, benchLfw } from '../bench/lfw.js';
import { benchLfwRobustness, type LfwRobustnessReport } from '../bench/lfw-robustness.js';
import { PERTURB_KINDS, type PerturbKind, type PerturbParams } from '../bench/perturb.js';
import { benchSpeed, type SpeedBenchReport } from '../bench/speed.js';
import { progress } from './progress.js';
import { benchCommand, type CliIO, positiveInt, type RegisterCommands } from './shared.js';

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)];
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function lfwText(r: LfwBenchReport): string {
  const lines = [
    `LFW ${r.pairsFile}: ${r.pairs} pairs, ${r.images} images, ${r.undetected} without a detected face ` +
      `(whole image used), ${r.facesPerSecond.toFixed(2)} faces/s over ${r.workers} worker(s) for all combinations`,
    `detector ${r.detector}, landmarker ${r.landmarker}, pick ${r.pick}`,
  ];
  for (const x of r.results) {
    lines.push(
      `${x.embedder} + ${x.aligner} (${x.defaultMetric}): ${pct(x.accuracy)} ± ${pct(x.std)}, AUC ${x.auc.toFixed(4)}, ` +
        `EER ${pct(x.eer)}, TAR@FAR=1e-3 ${pct(x.tarAtFar1e3)}, fold thresholds ${x.foldThresholds.map((t) => t.toPrecision(4)).join(' ')}`,
    );
    for (const m of x.metrics) {
      const held =
        m.heldOutAccuracy !== undefined
          ? `, train threshold ${m.trainThreshold?.toPrecision(4)} → ${pct(m.heldOutAccuracy)}`
          : '';
      lines.push(
        `    ${m.metric.padEnd(13)} ${pct(m.accuracy)} ± ${pct(m.std)}, threshold ${m.threshold.toPrecision(4)}${held}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function robustnessText(r: LfwRobustnessReport): string {
  const p = r.params;
  const lines = [
    `LFW ${r.pairsFile}: ${r.pairs} pairs, embedder ${r.embedder}, pick ${r.pick}, flip ${r.flip ? 'on' : 'off'}; ` +
      `second image of each pair degraded (seed ${p.seed}: rotate ±10–${p.rotateMax}°, small ${p.smallFace} px in ` +
      `${p.sceneWidth}×${p.sceneHeight}, jpeg-grey q${p.jpegQuality}, bystander ×${p.bystanderScale}, exif 3/6/8)`,
    `${'detector'.padEnd(14)} ${'condition'.padEnd(10)} ${'accuracy'.padEnd(18)} ${'drop'.padStart(7)} ${'@clean thr'.padStart(10)} undetected`,
  ];
  for (const x of r.rows) {
    lines.push(
      `${x.detector.padEnd(14)} ${x.condition.padEnd(10)} ${`${pct(x.accuracy)} ± ${pct(x.std)}`.padEnd(18)} ` +
        `${(100 * x.drop).toFixed(2).padStart(7)} ${pct(x.accuracyAtCleanThresholds).padStart(10)} ${x.undetected} of ${x.images}`,
    );
  }
  for (const [d, fps] of Object.entries(r.facesPerSecond)) lines.push(`${d}: ${fps.toFixed(2)} images/s`);
  return `${lines.join('\n')}\n`;
}

function speedText(r: SpeedBenchReport): string {
  const lines = [
    `${r.images} images, ${r.workers} worker thread(s), wasm backend`,
    `facekit (${r.embedder} + ${r.aligner}): ${r.facekit.imagesPerSecond.toFixed(2)} images/s (${r.facekit.undetected} without a face)`,
  ];
  if (r.faceApi) {
    lines.push(
      `face-api (ssd_mobilenetv1 + landmarks68 + recognition): ${r.faceApi.imagesPerSecond.toFixed(2)} images/s (${r.faceApi.undetected} without a face)`,
      `ratio facekit / face-api: ${r.ratio?.toFixed(2)}×`,
    );
  }
  return `${lines.join('\n')}\n`;
}

interface LfwFlags {
  data?: string;
  pairs?: string;
  trainPairs?: string;
  embedder?: string[];
  align?: string[];
  pick: 'largest' | 'central';
  flip: boolean;
  folds?: string;
  limitPerFold?: string;
  workers?: string;
  backend?: string;
  json?: boolean;
  roc?: string;
  detector?: string[];
  perturb?: string[];
  perturbSeed?: string;
  rotateMax?: string;
  smallFace?: string;
  scene?: string;
  jpegQuality?: string;
  bystanderScale?: string;
}

/** The perturbation flags → kinds and parameters (E_CONFIG for unknown kinds or malformed values). */
function perturbOptions(f: LfwFlags): { kinds: PerturbKind[]; params: Partial<PerturbParams> } {
  const names = (f.perturb ?? []).flatMap((k) => (k === 'all' ? [...PERTURB_KINDS] : [k]));
  const bad = names.find((k) => !(PERTURB_KINDS as readonly string[]).includes(k));
  if (bad)
    throw new FaceKitError('E_CONFIG', `unknown perturbation '${bad}' (known: ${PERTURB_KINDS.join(', ')}, all)`);
  const num = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new FaceKitError('E_CONFIG', `--${name} expects a number, got '${v}'`);
    return n;
  };
  const params: Partial<PerturbParams> = {};
  const set = <K extends keyof PerturbParams>(k: K, v: number | undefined) => {
    if (v !== undefined) params[k] = v;
  };
  set('seed', num(f.perturbSeed, 'perturb-seed'));
  set('rotateMax', num(f.rotateMax, 'rotate-max'));
  set('smallFace', num(f.smallFace, 'small-face'));
  set('jpegQuality', num(f.jpegQuality, 'jpeg-quality'));
  set('bystanderScale', num(f.bystanderScale, 'bystander-scale'));
  if (f.scene !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(f.scene);
    if (!m) throw new FaceKitError('E_CONFIG', `--scene expects WIDTHxHEIGHT, got '${f.scene}'`);
    params.sceneWidth = Number(m[1]);
    params.sceneHeight = Number(m[2]);
  }
  return { kinds: [...new Set(names)] as PerturbKind[], params };
}

function addLfw(bench: Command, io: CliIO): void {
  bench
    .command('lfw')
    .description('the LFW verification protocol from raw images: detect → align → embed → threshold per fold')
    .option(
      '--data <dir>',
      'the LFW folder: pairs files + person folders in images/, lfw-deepfunneled/, lfw_funneled/, lfw/ or itself (default FACEKIT_LFW_DIR)',
    )
    .option('--pairs <file>', 'pairs file (default <data>/pairs.txt, View 2)')
    .option('--train-pairs <file>', 'also choose thresholds on this pairs file and report them on --pairs (View 1)')
    .option('--embedder <names>', `embedder(s), comma-separated or repeated (default ${DEFAULT_EMBEDDER})`, list)
    .option('--align <modes>', "aligner(s), comma-separated or repeated (default '2d')", list)
    .addOption(
      new Option('--pick <rule>', 'face to use when an image holds several')
        .choices(['largest', 'central'])
        .default('central', 'central: LFW images are centred on their subject'),
    )
    .option('--no-flip', 'no test-time flip augmentation')
    .option('--folds <n>', 'folds for a pairs file without fold structure (View 1); View 2 keeps its 10')
    .option('--limit-per-fold <n>', 'only the first N matched and N mismatched pairs of each fold (quick runs)')
    .option('--workers <n>', 'worker threads (default: one per core)')
    .option('--backend <name>', 'tfjs backend in the workers')
    .option('--json', 'print one JSON object on stdout')
    .option('--roc <file>', 'also write the ROC curves (per embedder × aligner, default metric) as JSON to FILE')
    .option('--detector <names>', "detector(s), comma-separated or repeated (default 'blazeface')", list)
    .option(
      '--perturb <kinds>',
      `degrade the second image of each pair and report each kind next to the clean run: ${PERTURB_KINDS.join(', ')} or all`,
      list,
    )
    .option('--perturb-seed <n>', 'seed of the degradations (default 21)')
    .option('--rotate-max <deg>', 'rotate: largest in-plane angle (default 30; angles ±10…max)')
    .option('--small-face <px>', 'small: face width in the scene (default 40)')
    .option('--scene <WxH>', 'small: scene size (default 1280x960)')
    .option('--jpeg-quality <q>', 'jpeg-grey: JPEG quality (default 10)')
    .option('--bystander-scale <x>', "bystander: the other person's photo size relative to the subject's (default 0.9)")
    .action(async (f: LfwFlags) => {
      const data = f.data ?? process.env.FACEKIT_LFW_DIR;
      if (!data) throw new FaceKitError('E_CONFIG', 'bench lfw needs --data DIR (or FACEKIT_LFW_DIR)');
      const detectors = f.detector?.length ? [...new Set(f.detector)] : ['blazeface'];
      const { kinds, params } = perturbOptions(f);
      if (kinds.length > 0 || detectors.length > 1) {
        const bar = progress(io, 'robustness');
        try {
          const report = await benchLfwRobustness({
            data,
            pairs: f.pairs,
            limitPerFold: positiveInt(f.limitPerFold, 'limit-per-fold'),
            detectors,
            perturb: kinds,
            params,
            embedder: f.embedder?.[0],
            pick: f.pick,
            flip: f.flip,
            workers: f.workers === '0' ? 0 : positiveInt(f.workers, 'workers'),
            backend: f.backend,
            onProgress: (_phase, d, t) => bar.update(d, t),
          });
          bar.stop();
          io.stdout(f.json ? `${JSON.stringify(report)}\n` : robustnessText(report));
        } finally {
          bar.stop();
        }
        return;
      }
      const bar = progress(io, 'embedding LFW images');
      try {
        const report = await benchLfw({
          data,
          pairs: f.pairs,
          trainPairs: f.trainPairs,
          embedders: f.embedder?.length ? f.embedder : [DEFAULT_EMBEDDER],
          aligners: f.align?.length ? f.align : ['2d'],
          pick: f.pick,
          flip: f.flip,
          folds: positiveInt(f.folds, 'folds'),
          limitPerFold: positiveInt(f.limitPerFold, 'limit-per-fold'),
          workers: f.workers === '0' ? 0 : positiveInt(f.workers, 'workers'),
          backend: f.backend,
          rocFile: f.roc,
          detector: detectors[0],
          onProgress: (d, t) => bar.update(d, t),
        });
        bar.stop();
        io.stdout(f.json ? `${JSON.stringify(report)}\n` : lfwText(report));
      } finally {
        bar.stop();
      }
    });
}

/** The flags `bench speed` and `bench enroll` share. */
interface ImageBenchFlags {
  images: string;
  limit?: string;
  embedder?: string;
  align?: string;
  flip: boolean;
  workers?: string;
  json?: boolean;
}

/** The shared flags as the benchmark's options (`--limit` checked before `--workers`). */
function imageBenchOptions(f: ImageBenchFlags) {
  return {
    images: f.images,
    limit: positiveInt(f.limit, 'limit'),
    embedder: f.embedder,
    align: f.align,
    flip: f.flip,
    workers: positiveInt(f.workers, 'workers'),
  };
}

interface SpeedFlags extends ImageBenchFlags {
  facekitOnly?: boolean;
  analyze?: boolean;
}

function analyzeSpeedText(r: AnalyzeSpeedReport): string {
  const side = (x: AnalyzeSpeedReport['facekit']) =>
    `${x.facesPerSecond.toFixed(2)} faces/s (${x.faces} faces, ${x.imagesPerSecond.toFixed(2)} images/s, ${x.undetected} images without a face)`;
  const lines = [
    `${r.images} images, ${r.workers} worker thread(s), wasm backend`,
    `facekit analyze (${r.actions.join(', ')}, every face): ${side(r.facekit)}`,
  ];
  if (r.faceApi) {
    lines.push(
      `face-api detectAllFaces().withAgeAndGender().withFaceExpressions(): ${side(r.faceApi)}`,
      `ratio facekit / face-api (faces/s): ${r.ratio?.toFixed(2)}×`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function addSpeed(bench: Command, io: CliIO): void {
  bench
    .command('speed')
    .description('end-to-end images/s of facekit and @vladmandic/face-api on the same images (wasm, all cores)')
    .requiredOption('--images <dir>', 'a folder of images (searched recursively)')
    .option('--limit <n>', 'at most N images (default 200)')
    .option('--embedder <name>', `facekit embedder (default ${DEFAULT_EMBEDDER})`)
    .option('--align <mode>', "facekit aligner (default '2d')")
    .option('--no-flip', 'no test-time flip augmentation in facekit')
    .option('--workers <n>', 'worker threads per library (default: one per core)')
    .option('--facekit-only', 'skip face-api (it must be installed to compare)')
    .option('--json', 'print one JSON object on stdout')
    .option('--analyze', 'time analyze() with all actions against face-api age/gender/expressions (faces/s)')
    .action(async (f: SpeedFlags) => {
      const bars = { facekit: progress(io, 'facekit'), 'face-api': progress(io, 'face-api') };
      const stopBars = () => {
        bars.facekit.stop();
        bars['face-api'].stop();
      };
      try {
        const options = imageBenchOptions(f);
        const common = {
          facekitOnly: f.facekitOnly,
          onProgress: (phase: 'facekit' | 'face-api', d: number, t: number) => bars[phase].update(d, t),
        };
        let text: string;
        if (f.analyze) {
          // analyze() runs every action with its own models: the embedder, aligner and flip flags do not apply.
          const r = await benchAnalyzeSpeed({
            images: options.images,
            limit: options.limit,
            workers: options.workers,
            ...common,
          });
          text = f.json ? `${JSON.stringify(r)}\n` : analyzeSpeedText(r);
        } else {
          const r = await benchSpeed({ ...options, ...common });
          text = f.json ? `${JSON.stringify(r)}\n` : speedText(r);
        }
        stopBars();
        io.stdout(text);
      } finally {
        stopBars();
      }
    });
}

function enrollText(r: EnrollBenchReport): string {
  const line = (x: EnrollRun) =>
    `${String(x.workers).padStart(2)} worker(s): ${x.imagesPerSecond.toFixed(2)} images/s (${x.seconds.toFixed(1)} s)`;
  return `${[
    `${r.images} images, ${r.embedder}, align ${r.aligner}${r.flip ? ', flip' : ''}, ${r.failed} not enrolled`,
    line(r.oneWorker),
    line(r.allCores),
    `speedup ${r.speedup.toFixed(2)}×; re-run ${r.rerunSeconds.toFixed(2)} s = ${(100 * r.rerunShare).toFixed(2)} % of the first run`,
  ].join('\n')}\n`;
}

function addEnroll(bench: Command, io: CliIO): void {
  bench
    .command('enroll')
    .description('enrolment images/s with one worker and with all cores, and the time of an immediate re-run')
    .requiredOption('--images <dir>', 'a folder of per-person folders (<dir>/<label>/*.jpg)')
    .option('--limit <n>', 'the first N images (default 300)')
    .option('--embedder <name>', `embedder (default ${DEFAULT_EMBEDDER})`)
    .option('--align <mode>', "aligner (default '2d')")
    .option('--no-flip', 'no test-time flip augmentation')
    .option('--workers <n>', 'workers of the all-cores run (default: one per core)')
    .option('--json', 'print one JSON object on stdout')
    .action(async (f: ImageBenchFlags) => {
      const bars = new Map<string, ReturnType<typeof progress>>();
      try {
        const report = await benchEnroll({
          ...imageBenchOptions(f),
          onProgress: (phase, d, t) => {
            const bar = bars.get(phase) ?? progress(io, `enrolling, ${phase}`);
            bars.set(phase, bar);
            bar.update(d, t);
            if (d >= t) bar.stop();
          },
        });
        for (const b of bars.values()) b.stop();
        io.stdout(f.json ? `${JSON.stringify(report)}\n` : enrollText(report));
      } finally {
        for (const b of bars.values()) b.stop();
      }
    });
}

function addAnalyzeQuality(bench: Command, io: CliIO): void {
  bench
    .command('analyze')
    .description('label-free quality of the age / gender analysers on LFW people with many photos (JSON)')
    .option('--data <dir>', 'the LFW folder (default FACEKIT_LFW_DIR)')
    .option(
      '--people <file>',
      'people list in the LFW folder (default peopleDevTrain.txt; peopleDevTest.txt to report)',
    )
    .option('--min-photos <n>', 'only people with at least N photos (default 10)')
    .option('--max-photos <n>', "only each person's first N photos (default 10)")
    .option('--workers <n>', 'worker threads (default: one per core)')
    .action(async (f: { data?: string; people?: string; minPhotos?: string; maxPhotos?: string; workers?: string }) => {
      const data = f.data ?? process.env.FACEKIT_LFW_DIR;
      if (!data) throw new FaceKitError('E_CONFIG', 'bench analyze needs --data DIR (or FACEKIT_LFW_DIR)');
      const bar = progress(io, 'analysing LFW images');
      try {
        const r = await benchAnalyzeQuality({
          data,
          people: f.people,
          minPhotos: positiveInt(f.minPhotos, 'min-photos'),
          maxPhotos: positiveInt(f.maxPhotos, 'max-photos'),
          workers: positiveInt(f.workers, 'workers'),
          onProgress: (d, t) => bar.update(d, t),
        });
        bar.stop();
        io.stdout(`${JSON.stringify(r, null, 1)}\n`);
      } finally {
        bar.stop();
      }
    });
}

/** `facekit bench lfw`, `speed`, `enroll` and `analyze`. */
export const registerBench: RegisterCommands = (program, io) => {
  const bench = benchCommand(program);
  addLfw(bench, io);
  addSpeed(bench, io);
  addEnroll(bench, io);
  addAnalyzeQuality(bench, io);
};
