import { type BridgePolicy, type ClusterMethod, defaultClusterThreshold, FaceKitError, models } from '@facekit/core';
import { hasClusterStore, openGallery, type UpdateClustersResult, updateGalleryClusters } from '../gallery/index.js';
import { progress } from './progress.js';
import { type CliIO, number, positiveInt } from './shared.js';

/**
 * Flags of `facekit cluster --db`.
 *
 * @example
 * const f: ClusterDbFlags = { db: 'faces.db', full: false, json: true };
 */
export interface ClusterDbFlags {
  db: string;
  full?: boolean;
  method?: ClusterMethod;
  threshold?: string;
  links?: string;
  bridge?: BridgePolicy;
  json?: boolean;
}

function text(r: UpdateClustersResult, db: string): string {
  const what =
    r.mode === 'full'
      ? `re-clustered all ${r.assigned} face(s)`
      : `assigned ${r.assigned} new face(s): ${r.joined} joined a cluster, ${r.created} started one` +
        (r.merged > 0 ? `, ${r.merged} cluster(s) merged` : '');
  return `${[
    `${db}: ${what} (${r.msPerFace.toFixed(2)} ms/face); ${r.clusters} cluster(s) of ${r.size} face(s)`,
    `largest: ${r.largest.map((c) => `#${c.cluster} (${c.size})`).join(', ')}`,
  ].join('\n')}\n`;
}

/**
 * `facekit cluster --db <gallery>`: gives the gallery's faces without a cluster id one (incremental), or
 * re-clusters every face (`--full`). The link threshold defaults to core's `defaultClusterThreshold` for the
 * gallery's embedder and metric (agglomerative's share; Chinese whispers' with `--method chinese-whispers`).
 *
 * @example
 * await clusterDb({ db: 'faces.db', json: true }, io);
 */
export async function clusterDb(f: ClusterDbFlags, io: CliIO): Promise<void> {
  const method = f.method ?? 'agglomerative';
  if (method === 'kmeans')
    throw new FaceKitError('E_CONFIG', 'cluster --db links by a threshold: kmeans is not offered');
  if (f.bridge !== undefined && f.full)
    throw new FaceKitError('E_CONFIG', '--bridge applies to incremental runs, not --full');
  const links = positiveInt(f.links, 'links');
  const gallery = await openGallery(f.db);
  const bar = progress(io, f.full ? 'reading faces' : 'assigning faces');
  try {
    if (!hasClusterStore(gallery)) throw new FaceKitError('E_CONFIG', `${f.db} keeps no cluster ids`);
    const info = await gallery.info();
    let threshold = number(f.threshold, 'threshold');
    if (threshold === undefined && info.embedder !== undefined && models.embedders.has(info.embedder)) {
      threshold = defaultClusterThreshold(models.embedders.get(info.embedder), method, info.metric);
    }
    if (threshold === undefined) {
      throw new FaceKitError(
        'E_CONFIG',
        `no default link threshold for ${info.embedder ?? 'an empty gallery'} (${info.metric}): give --threshold`,
      );
    }
    const r = await updateGalleryClusters(gallery.clusterStore(), {
      threshold,
      links,
      bridge: f.bridge,
      full: f.full,
      method,
      onProgress: (d, t) => bar.update(d, t),
    });
    bar.stop();
    io.stdout(f.json ? `${JSON.stringify({ db: f.db, threshold, metric: info.metric, ...r })}\n` : text(r, f.db));
  } finally {
    bar.stop();
    await gallery.close();
  }
}
