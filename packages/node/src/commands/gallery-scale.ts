import { FaceKitError } from '@facekit/core';
import {
  type BenchIncrementalResult,
  type BenchPgResult,
  benchIncrementalClustering,
  benchPgGallery,
} from '../entries/bench.js';
import { progress } from './progress.js';
import { benchCommand, type CliIO, number, positiveInt, type RegisterCommands } from './shared.js';

/**
 * Flags of `facekit bench gallery --db postgres://…`.
 *
 * @example
 * const f: BenchPgFlags = { db: 'postgres://postgres@127.0.0.1:5432/postgres', size: '100000' };
 */
export interface BenchPgFlags {
  db: string;
  size: string;
  dim?: string;
  queries?: string;
  seed?: string;
  efSearch?: string;
  insertBatch?: string;
  json?: boolean;
}

function pgText(r: BenchPgResult): string {
  const q = (name: string, s: BenchPgResult['near']) =>
    `${name}: HNSW ${s.msPerQuery.toFixed(2)} ms/query, recall@1 ${s.recallAt1.toFixed(3)}; exact ${s.exactMsPerQuery.toFixed(1)} ms/query`;
  return `${[
    `${r.size} random unit ${r.dim}-D vectors in PostgreSQL + pgvector, ${r.queries} queries of each kind, ef_search ${r.efSearch}`,
    `enrol: ${r.insert.rowsPerSecond.toFixed(0)} rows/s in statements of ${r.insert.batch} rows` +
      (r.insert.rowByRowRowsPerSecond === undefined
        ? ''
        : `, ${r.insert.rowByRowRowsPerSecond.toFixed(0)} rows/s row by row`),
    q('random queries', r.random),
    q('near-duplicate queries', r.near),
  ].join('\n')}\n`;
}

/**
 * `facekit bench gallery --db postgres://…`: the PostgreSQL gallery at size (see `benchPgGallery`).
 *
 * @example
 * await benchPgCommand({ db: url, size: '10000', json: true }, io);
 */
export async function benchPgCommand(f: BenchPgFlags, io: CliIO): Promise<void> {
  if (!/^postgres(ql)?:\/\//i.test(f.db)) {
    throw new FaceKitError(
      'E_CONFIG',
      'bench gallery --db takes a postgres:// URL (a SQLite gallery searches in memory: omit --db)',
    );
  }
  const bars = new Map<string, ReturnType<typeof progress>>();
  try {
    const r = await benchPgGallery({
      url: f.db,
      size: positiveInt(f.size, 'size') as number,
      dim: positiveInt(f.dim, 'dim'),
      queries: positiveInt(f.queries, 'queries'),
      seed: number(f.seed, 'seed'),
      efSearch: positiveInt(f.efSearch, 'ef-search'),
      insertBatch: positiveInt(f.insertBatch, 'insert-batch'),
      onProgress: (phase, d, t) => {
        const bar = bars.get(phase) ?? progress(io, phase);
        bars.set(phase, bar);
        bar.update(d, t);
      },
    });
    for (const b of bars.values()) b.stop();
    io.stdout(f.json ? `${JSON.stringify(r)}\n` : pgText(r));
  } finally {
    for (const b of bars.values()) b.stop();
  }
}

function incrementalText(r: BenchIncrementalResult): string {
  return `${[
    `${r.size} faces of ${r.people} people, ${r.embedder}, ${r.metric}, link threshold ${r.threshold.toPrecision(4)}`,
    ...r.rows.map(
      (x) =>
        `${x.name.padEnd(40)} ${String(x.clusters).padStart(5)} clusters, BCubed P ${x.precision.toFixed(4)} ` +
        `R ${x.recall.toFixed(4)} F1 ${x.f1.toFixed(4)}, ${x.seconds.toFixed(1)} s`,
    ),
    `cluster --db: ${r.perAddedFace.msPerFace.toFixed(2)} ms per added face (${r.perAddedFace.added} added to ${r.perAddedFace.existing} clustered)`,
  ].join('\n')}\n`;
}

/**
 * `facekit bench cluster-gallery`: incremental vs batch clustering of a gallery's faces against its labels.
 *
 * @example
 * registerGalleryScaleCommands(program, io);
 */
export const registerGalleryScaleCommands: RegisterCommands = (program, io) => {
  benchCommand(program)
    .command('cluster-gallery')
    .description(
      "incremental cluster assignment vs batch clustering of a gallery's faces, BCubed against its labels; ms per added face",
    )
    .requiredOption('--db <file>', 'a SQLite gallery whose labels are the identities (facekit enroll --dir <people>)')
    .option('--min-images <n>', 'labels with at least N faces (default 20)')
    .option('--seed <n>', 'seed of the arrival order (default 1)')
    .option('--added <n>', 'faces added last, to time cluster --db per added face (default 10 %)')
    .option('--json', 'print one JSON object')
    .action(async (f: { db: string; minImages?: string; seed?: string; added?: string; json?: boolean }) => {
      const bar = progress(io, 'clustering');
      try {
        const r = await benchIncrementalClustering({
          db: f.db,
          minImages: positiveInt(f.minImages, 'min-images'),
          seed: number(f.seed, 'seed'),
          added: positiveInt(f.added, 'added'),
          onProgress: (_, d, t) => bar.update(d, t),
        });
        bar.stop();
        io.stdout(f.json ? `${JSON.stringify(r)}\n` : incrementalText(r));
      } finally {
        bar.stop();
      }
    });
};
