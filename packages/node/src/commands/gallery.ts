import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { type ClusterMethod, FaceKitError } from '@facekit/core';
import {
  type BenchClusterResult,
  type BenchGalleryResult,
  benchCluster,
  benchClusterSynthetic,
  benchGallery,
  type SyntheticBenchResult,
} from '../entries/bench.js';
import {
  clusterImages,
  enrollImages,
  type ImageFailure,
  identifyImages,
  labelledImages,
  listImages,
  openGallery,
  type UsearchQuantization,
} from '../gallery/index.js';
import { EmbedPool, type PooledEmbedder } from '../pool/embed-pool.js';
import { type ClusterDbFlags, clusterDb } from './cluster-db.js';
import { type BenchPgFlags, benchPgCommand } from './gallery-scale.js';
import { progress } from './progress.js';
import {
  benchCommand,
  type CliIO,
  type ModelFlags,
  number,
  pipelineFlags,
  positiveInt,
  type RegisterCommands,
  toOptions,
} from './shared.js';

const CLUSTER_METHODS: ClusterMethod[] = ['agglomerative', 'chinese-whispers', 'kmeans'];

type PipelineFlags = Omit<ModelFlags, 'json'> & { json?: boolean };

/**
 * Embeds through the embedding pool (`--workers`, default one per core, never more than the images), runs `f`, and
 * ends the workers whatever happens.
 */
export async function withEmbedPool<T>(
  flags: PipelineFlags & { workers?: string },
  images: number,
  f: (p: PooledEmbedder) => Promise<T>,
): Promise<T> {
  const options = toOptions({ ...flags, enforceDetection: flags.enforceDetection ?? true });
  const workers = flags.workers === '0' ? 0 : positiveInt(flags.workers, 'workers');
  const pool = new EmbedPool({ concurrency: workers ?? Math.max(1, Math.min(availableParallelism(), images)) });
  try {
    return await f(pool.embedderFor(options));
  } finally {
    await pool.destroy();
  }
}

/** Per-image failures are part of the result, not a command error: one line each. */
function failedLines(failed: readonly ImageFailure[]): string[] {
  return failed.map((f) => `skipped ${f.path}: ${f.code}: ${f.message}`);
}

function imageFlags(cmd: Command): Command {
  return pipelineFlags(cmd)
    .option('--workers <n>', 'worker threads that embed (default: one per core; 0 = this thread)')
    .option('--no-enforce-detection', 'embed the whole image when no face is found instead of skipping it')
    .option('--json', 'print one JSON object');
}

interface EnrollFlags extends PipelineFlags {
  db: string;
  dir?: string;
  workers?: string;
  force?: boolean;
}

async function enroll(label: string | undefined, images: string[], f: EnrollFlags, io: CliIO): Promise<void> {
  if (f.dir !== undefined && (label !== undefined || images.length > 0)) {
    throw new FaceKitError('E_INPUT', 'give either --dir DIR or <label> <images...>, not both');
  }
  if (f.dir === undefined && (label === undefined || images.length === 0)) {
    throw new FaceKitError('E_INPUT', 'enroll needs <label> <images...> or --dir DIR (one sub-folder per person)');
  }
  const items =
    f.dir !== undefined
      ? await labelledImages(f.dir)
      : (await listImages(images)).map((path) => ({ label: label as string, path }));
  if (items.length === 0) throw new FaceKitError('E_INPUT', `no images found in ${f.dir ?? images.join(' ')}`);
  await withEmbedPool(f, items.length, async (p) => {
    const gallery = await openGallery(f.db, {
      embedder: p.embedder.name,
      dim: p.embedder.dim,
      metric: p.embedder.defaultMetric,
    });
    const bar = progress(io, 'enrolling');
    try {
      const r = await enrollImages(gallery, p, items, {
        enforceDetection: f.enforceDetection,
        force: f.force,
        onProgress: (d, t) => bar.update(d, t),
      });
      bar.stop();
      const info = await gallery.info();
      if (f.json) {
        io.stdout(`${JSON.stringify({ db: f.db, ...r, gallery: info })}\n`);
        return;
      }
      const people = new Set(r.enrolled.map((e) => e.label)).size;
      io.stdout(
        `${[
          `enrolled ${r.enrolled.length} face(s) of ${people} label(s) into ${f.db} (${info.size} faces, ${info.embedder})` +
            (r.skipped.length > 0 ? `; ${r.skipped.length} file(s) already enrolled, skipped` : ''),
          ...failedLines(r.failed),
        ].join('\n')}\n`,
      );
    } finally {
      bar.stop();
      await gallery.close();
    }
  });
}

interface IdentifyFlags extends PipelineFlags {
  db: string;
  workers?: string;
  k?: string;
  threshold?: string;
  all?: boolean;
}

async function identify(images: string[], f: IdentifyFlags, io: CliIO): Promise<void> {
  const k = positiveInt(f.k, 'k');
  const threshold = number(f.threshold, 'threshold');
  const paths = await listImages(images);
  await withEmbedPool(f, paths.length, async (p) => {
    const gallery = await openGallery(f.db, { embedder: p.embedder.name, dim: p.embedder.dim, readonly: true });
    const bar = progress(io, 'identifying');
    try {
      const results = await identifyImages(gallery, p, paths, {
        k,
        threshold,
        all: f.all,
        enforceDetection: f.enforceDetection,
        onProgress: (d, t) => bar.update(d, t),
      });
      bar.stop();
      if (f.json) {
        const out = results.map((r) =>
          r.faces
            ? {
                path: r.path,
                faces: r.faces.map(({ label, known, distance, votes, threshold, metric, matches, box, score }) => ({
                  label,
                  known,
                  distance: Number.isFinite(distance) ? distance : null,
                  votes,
                  threshold: Number.isFinite(threshold) ? threshold : null,
                  metric,
                  box,
                  score,
                  matches,
                })),
              }
            : r,
        );
        io.stdout(`${JSON.stringify({ db: f.db, results: out })}\n`);
        return;
      }
      const lines = results.flatMap((r) =>
        r.faces
          ? r.faces.map(
              (x) =>
                `${r.path}: ${x.label}${x.known ? '' : ' (no enrolled face within the threshold)'}, ` +
                `distance ${x.distance.toFixed(4)} (${x.metric} ≤ ${x.threshold.toPrecision(4)}), ${x.votes} vote(s)`,
            )
          : failedLines([r]),
      );
      io.stdout(`${lines.join('\n')}\n`);
    } finally {
      bar.stop();
      await gallery.close();
    }
  });
}

interface ClusterFlags extends PipelineFlags {
  method: ClusterMethod;
  workers?: string;
  k?: string;
  threshold?: string;
  seed?: string;
}

async function cluster(dir: string, f: ClusterFlags, io: CliIO): Promise<void> {
  const k = positiveInt(f.k, 'k');
  if (k !== undefined && f.method !== 'kmeans') throw new FaceKitError('E_CONFIG', '--k needs --method kmeans');
  const threshold = number(f.threshold, 'threshold');
  const seed = number(f.seed, 'seed');
  const paths = await listImages(dir);
  await withEmbedPool(f, paths.length, async (p) => {
    const bar = progress(io, 'embedding');
    try {
      const r = await clusterImages(p, paths, {
        method: f.method,
        k,
        threshold,
        seed,
        enforceDetection: f.enforceDetection,
        onProgress: (d, t) => bar.update(d, t),
      });
      bar.stop();
      if (f.json) {
        io.stdout(`${JSON.stringify(r)}\n`);
        return;
      }
      const lines = r.clusters.map((c, i) => `cluster ${i + 1} (${c.length}): ${c.join(' ')}`);
      io.stdout(
        `${[`${r.clusters.length} cluster(s) of ${paths.length} image(s), ${r.method}`, ...lines, ...failedLines(r.failed)].join('\n')}\n`,
      );
    } finally {
      bar.stop();
    }
  });
}

interface BenchGalleryFlags {
  size: string;
  index: 'pq' | 'hnsw';
  candidates?: string;
  subDim?: string;
  dim?: string;
  queries?: string;
  seed?: string;
  connectivity?: string;
  expansionAdd?: string;
  expansionSearch?: string;
  quantization?: UsearchQuantization;
  threads?: string;
  exactOnly?: boolean;
  json?: boolean;
}

function benchText(r: BenchGalleryResult): string {
  const qps = (x: number) => x.toFixed(x < 100 ? 1 : 0);
  const lines = [
    `${r.size} random unit ${r.dim}-D vectors, ${r.queries} queries`,
    `exact: build ${(r.exact.buildMs / 1000).toFixed(2)} s, ${r.exact.msPerQuery.toFixed(3)} ms/query ` +
      `(${qps(r.exact.queriesPerSecond)} q/s one at a time, ${qps(r.exact.batchQueriesPerSecond)} q/s batched)`,
  ];
  if (r.ann) {
    const a = r.ann;
    const p = a.params;
    const params =
      a.kind === 'usearch-hnsw'
        ? `M ${p.connectivity}, ef_add ${p.expansionAdd}, ef_search ${p.expansionSearch}, ${p.quantization}, `
        : Object.entries(p)
            .map(([k, v]) => `${k} ${v}, `)
            .join('');
    lines.push(
      `ann ${a.kind} (${params}${a.candidates} candidates re-ranked): build ${(a.buildMs / 1000).toFixed(1)} s`,
      `  random queries: ${a.msPerQuery.toFixed(3)} ms/query (${qps(a.queriesPerSecond)} q/s), recall@1 ${a.recallAt1.toFixed(3)}`,
      `  near-duplicate queries: ${a.near.msPerQuery.toFixed(3)} ms/query (${qps(a.near.queriesPerSecond)} q/s), ` +
        `recall@1 ${a.near.recallAt1.toFixed(3)}`,
    );
  }
  lines.push(`rss ${r.rssMiB.toFixed(0)} MiB`);
  return `${lines.join('\n')}\n`;
}

async function benchGalleryCommand(f: BenchGalleryFlags, io: CliIO): Promise<void> {
  const size = positiveInt(f.size, 'size') as number;
  const ann = f.exactOnly
    ? (false as const)
    : f.index === 'hnsw'
      ? {
          kind: 'hnsw' as const,
          connectivity: positiveInt(f.connectivity, 'connectivity'),
          expansionAdd: positiveInt(f.expansionAdd, 'expansion-add'),
          expansionSearch: positiveInt(f.expansionSearch, 'expansion-search'),
          threads: f.threads === '0' ? 0 : positiveInt(f.threads, 'threads'),
          quantization: f.quantization,
        }
      : {
          kind: 'pq' as const,
          candidates: positiveInt(f.candidates, 'candidates'),
          subDim: positiveInt(f.subDim, 'sub-dim'),
        };
  // Drop unset keys so the defaults apply.
  const annOptions = ann && (Object.fromEntries(Object.entries(ann).filter(([, v]) => v !== undefined)) as typeof ann);
  const bars = new Map<string, ReturnType<typeof progress>>();
  try {
    const r = await benchGallery({
      size,
      dim: positiveInt(f.dim, 'dim'),
      queries: positiveInt(f.queries, 'queries'),
      seed: number(f.seed, 'seed'),
      ann: annOptions,
      onProgress: (phase, d, t) => {
        const bar = bars.get(phase) ?? progress(io, phase);
        bars.set(phase, bar);
        bar.update(d, t);
        if (d >= t) bar.stop();
      },
    });
    for (const b of bars.values()) b.stop();
    io.stdout(f.json ? `${JSON.stringify(r)}\n` : benchText(r));
  } finally {
    for (const b of bars.values()) b.stop();
  }
}

interface BenchClusterFlags extends PipelineFlags {
  workers?: string;
  data?: string;
  synthetic?: string;
  minImages?: string;
  method?: ClusterMethod[];
}

function benchClusterText(r: BenchClusterResult): string {
  return `${[
    `LFW people with ≥ N images: ${r.people} people, ${r.images} images (${r.failed.length} not embedded), ` +
      `${r.embedder}, ${r.metric}, ${r.seconds.toFixed(0)} s`,
    ...r.results.map(
      (x) =>
        `${x.method.padEnd(16)} ${String(x.clusters).padStart(4)} clusters, BCubed P ${x.precision.toFixed(4)} ` +
        `R ${x.recall.toFixed(4)} F1 ${x.f1.toFixed(4)}${x.threshold === undefined ? ' (k = people)' : `, threshold ${x.threshold.toPrecision(4)}`}` +
        `${x.graph && x.graph !== 'full' ? ` on the ${x.graph} graph` : ''}, ${x.seconds.toFixed(1)} s, peak RSS ${x.peakRssMiB} MiB`,
    ),
  ].join('\n')}\n`;
}

function syntheticText(r: SyntheticBenchResult): string {
  return `${[
    `${r.size} synthetic faces of ${r.people} people (${r.dim}-D), link threshold ${r.threshold.toPrecision(4)}`,
    ...Object.entries(r.methods).map(
      ([m, x]) =>
        `${m.padEnd(19)} ${x.seconds.toFixed(1)} s (${x.cpuSeconds.toFixed(1)} CPU-s), peak RSS ${x.peakRssMiB} MiB, ` +
        `${x.clusters} clusters, BCubed P ${x.precision.toFixed(4)} R ${x.recall.toFixed(4)} F1 ${x.f1.toFixed(4)}`,
    ),
  ].join('\n')}\n`;
}

async function benchClusterSyntheticCommand(f: BenchClusterFlags, io: CliIO): Promise<void> {
  const size = positiveInt(f.synthetic, 'synthetic')!;
  const bars = new Map<string, ReturnType<typeof progress>>();
  try {
    const r = await benchClusterSynthetic({
      size,
      workers: f.workers === undefined ? undefined : positiveInt(f.workers, 'workers'),
      onProgress: (method, d, t) => {
        const bar = bars.get(method) ?? progress(io, `clustering (${method})`);
        bars.set(method, bar);
        bar.update(d, t);
      },
    });
    for (const b of bars.values()) b.stop();
    io.stdout(f.json ? `${JSON.stringify(r)}\n` : syntheticText(r));
  } finally {
    for (const b of bars.values()) b.stop();
  }
}

async function benchClusterCommand(f: BenchClusterFlags, io: CliIO): Promise<void> {
  if (f.synthetic !== undefined) return benchClusterSyntheticCommand(f, io);
  const data = f.data ?? process.env.FACEKIT_LFW_DIR;
  if (!data) throw new FaceKitError('E_CONFIG', 'bench cluster needs --data DIR (or FACEKIT_LFW_DIR)');
  const minImages = positiveInt(f.minImages, 'min-images');
  for (const m of f.method ?? []) {
    if (!CLUSTER_METHODS.includes(m)) {
      throw new FaceKitError('E_CONFIG', `--method must be ${CLUSTER_METHODS.join(', ')}; got '${m}'`);
    }
  }
  // LFW images are centred on their subject: pick the central face, as `bench lfw` does.
  await withEmbedPool({ ...f, pick: f.pick ?? 'central' }, Number.MAX_SAFE_INTEGER, async (p) => {
    const bar = progress(io, 'embedding LFW images');
    const bars = new Map<string, ReturnType<typeof progress>>();
    try {
      const r = await benchCluster(p, {
        data,
        minImages,
        methods: f.method?.length ? f.method : undefined,
        onProgress: (d, t) => bar.update(d, t),
        onClusterProgress: (method, d, t) => {
          bar.stop();
          const b = bars.get(method) ?? progress(io, `clustering (${method})`);
          bars.set(method, b);
          b.update(d, t);
        },
      });
      bar.stop();
      for (const b of bars.values()) b.stop();
      io.stdout(f.json ? `${JSON.stringify(r)}\n` : benchClusterText(r));
    } finally {
      bar.stop();
      for (const b of bars.values()) b.stop();
    }
  });
}

/**
 * `facekit enroll`, `facekit identify`, `facekit cluster` and `facekit bench gallery`: the persistent gallery
 * (SQLite file or postgres:// URL) and photo clustering from the command line.
 */
export const registerGalleryCommands: RegisterCommands = (program, io) => {
  imageFlags(
    program
      .command('enroll')
      .description('embed the largest face of each image and store it under a label in a gallery')
      .argument('[label]', 'who the images show')
      .argument('[images...]', 'image files or folders')
      .requiredOption('--db <file|url>', 'gallery: a SQLite file (created when missing) or a postgres:// URL')
      .option('--dir <dir>', 'enrol a folder of per-person sub-folders (<dir>/<label>/*.jpg) instead')
      .option('--force', 'embed every file again, also those already enrolled from the same bytes'),
  ).action((label: string | undefined, images: string[], f: EnrollFlags) => enroll(label, images, f, io));

  imageFlags(
    program
      .command('identify')
      .description('who is in each image: k-NN vote over the gallery, unknown beyond the threshold')
      .argument('<images...>', 'image files or folders')
      .requiredOption('--db <file|url>', 'gallery: a SQLite file or a postgres:// URL')
      .option('--k <n>', 'neighbours that vote (default 1)')
      .option('--threshold <x>', "unknown beyond this distance (default: the embedder's for the gallery's metric)")
      .option('--all', 'identify every face of each image, not only the largest'),
  ).action((images: string[], f: IdentifyFlags) => identify(images, f, io));

  imageFlags(
    program
      .command('cluster')
      .description(
        'group the images of a folder by person (largest face of each), or give the faces of a gallery cluster ids (--db)',
      )
      .argument('[dir]', 'a folder of images (searched recursively)')
      .addOption(new Option('--method <name>', 'clustering method').choices(CLUSTER_METHODS).default('agglomerative'))
      .option('--k <n>', 'kmeans: number of clusters (default: chosen by silhouette)')
      .option(
        '--threshold <x>',
        "linking distance of the pairwise methods (default: 0.95 × the embedder's; 0.95² × for cosine, squared-l2)",
      )
      .option('--seed <n>', 'kmeans seed')
      .option('--db <file|url>', 'cluster the faces of a gallery and store the cluster ids there, instead of a folder')
      .option('--full', '--db: re-cluster every face with --method (default: assign only the faces without a cluster)')
      .option('--links <n>', '--db: nearest clustered faces that decide where a new face goes (default 5)')
      .addOption(
        new Option('--bridge <policy>', '--db: a new face linking two clusters joins the winner, or merges them')
          .choices(['join', 'merge'])
          .default(undefined),
      ),
  ).action((dir: string | undefined, f: ClusterFlags & ClusterDbFlags) => {
    if (f.db !== undefined) {
      if (dir !== undefined) throw new FaceKitError('E_INPUT', 'give either a folder or --db, not both');
      return clusterDb(f, io);
    }
    if (dir === undefined) throw new FaceKitError('E_INPUT', 'cluster needs a folder of images or --db <gallery>');
    return cluster(dir, f, io);
  });

  benchCommand(program)
    .command('gallery')
    .description('identify() over N random unit vectors: build time, queries/s, exact vs approximate, recall@1')
    .requiredOption('--size <n>', 'gallery size N')
    .addOption(
      new Option('--index <kind>', 'approximate index: PQ fast scan (core) or usearch HNSW')
        .choices(['pq', 'hnsw'])
        .default('pq'),
    )
    .option('--candidates <n>', 'PQ: candidates re-ranked exactly per query (default max(256, N / 2000))')
    .option('--sub-dim <n>', 'PQ: dimensions per 4-bit sub-quantiser (default 2 for 128-D)')
    .option('--dim <n>', 'vector dimension (default 128)')
    .option('--queries <n>', 'queries (default 1000; 200 above 200,000 vectors)')
    .option('--seed <n>', 'random seed (default 1)')
    .option('--connectivity <m>', 'HNSW degree M (default 32)')
    .option('--expansion-add <n>', 'HNSW beam width while inserting (default 128)')
    .option('--expansion-search <n>', 'HNSW beam width while searching (default 256)')
    .addOption(new Option('--quantization <kind>', 'HNSW vector storage (default f32)').choices(['f32', 'f16', 'i8']))
    .option('--threads <n>', 'threads of the HNSW build (default 0 = all cores)')
    .option('--exact-only', 'measure the exact index only')
    .option('--db <url>', 'measure a PostgreSQL + pgvector gallery instead (postgres:// URL; its table facekit_bench)')
    .option('--ef-search <n>', '--db: pgvector hnsw.ef_search (default 100)')
    .option('--insert-batch <n>', '--db: rows per INSERT statement (default 1000)')
    .option('--json', 'print one JSON object')
    .action((f: BenchGalleryFlags & Partial<BenchPgFlags>) =>
      f.db !== undefined ? benchPgCommand({ ...f, db: f.db }, io) : benchGalleryCommand(f, io),
    );

  pipelineFlags(
    benchCommand(program)
      .command('cluster')
      .description(
        'cluster all images of the LFW people with ≥ N images (or --synthetic N faces); BCubed precision / recall / F1',
      ),
  )
    .option(
      '--data <dir>',
      'the LFW folder: person folders in images/, lfw-deepfunneled/, lfw_funneled/, lfw/ or itself (default FACEKIT_LFW_DIR)',
    )
    .option('--min-images <n>', 'people with at least N images (default 20: 62 people, 3023 images)')
    .option(
      '--synthetic <n>',
      'cluster N generated faces of planted people instead (dlib-resnet34 on LFW, fitted): seconds, peak RSS, F1',
    )
    .option(
      '--method <names>',
      'methods to score: agglomerative, chinese-whispers, kmeans (comma-separated; default all three)',
      (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)],
    )
    .option('--workers <n>', 'worker threads that embed the images or build the kNN graph (default: one per core)')
    .option('--json', 'print one JSON object')
    .action((f: BenchClusterFlags) => benchClusterCommand(f, io));
};
