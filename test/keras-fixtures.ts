// The Keras reference fixtures (../shared/fixtures/keras/<name>/), read by what their manifests and file names say
// rather than by one copy's layout: a weights file may be stored as `<file>.h5` or gzipped as `<file>.h5.gz`, the
// intermediate activations are whichever `intermediate_<layer>.{bin,json}` pairs the folder holds, and the h5
// variants are the ones the manifest lists.
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
} from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import { kerasFixturesDir } from './utils.js';

/** The parts of a fixture's manifest.json the tests read (every field optional: a folder may lack the manifest). */
export interface FixtureManifest {
  network?: string;
  weights_file?: string;
  h5?: { file?: string; sha256?: string; gzip?: { file?: string } | null };
  h5_variants?: Array<{ file: string; sha256?: string }>;
  input_shape?: number[];
  output_shape?: number[];
  output_layer?: string;
  params_total_model?: number;
  layer_names?: string[];
  layers?: Array<{ name: string; weights: Array<{ name: string; shape: number[] }> }>;
}

export const fixtureDir = (name: string): string => join(kerasFixturesDir, name);

/** The folder's manifest.json, or an empty one when it has none. */
export function fixtureManifest(name: string): FixtureManifest {
  const path = join(fixtureDir(name), 'manifest.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as FixtureManifest) : {};
}

/**
 * Where a weights file of the fixture is on disk: `file` (default: the manifest's h5 file, else
 * `<name>_weights.h5`) as stored, or gzipped beside it (`.gz`). Undefined when neither exists.
 */
export function fixtureWeightsPath(name: string, file?: string): { path: string; gzipped: boolean } | undefined {
  const m = fixtureManifest(name);
  const wanted = (file ?? m.h5?.file ?? m.weights_file ?? `${name}_weights.h5`).replace(/\.gz$/, '');
  for (const candidate of [wanted, `${wanted}.gz`, m.h5?.gzip?.file].filter((f): f is string => Boolean(f))) {
    const path = join(fixtureDir(name), candidate);
    if (existsSync(path)) return { path, gzipped: isGzip(path) };
  }
  return undefined;
}

/** By content, not name: gzip's magic bytes. */
function isGzip(path: string): boolean {
  const head = Buffer.alloc(2);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  return head[0] === 0x1f && head[1] === 0x8b;
}

function requirePath(name: string, file?: string): { path: string; gzipped: boolean } {
  const found = fixtureWeightsPath(name, file);
  if (!found) throw new Error(`no weights file ${file ?? ''} in the Keras fixture ${fixtureDir(name)}`);
  return found;
}

/** The weights file's bytes (unzipped when stored gzipped). */
export function readFixtureWeights(name: string, file?: string): Uint8Array {
  const { path, gzipped } = requirePath(name, file);
  const bytes = readFileSync(path);
  return new Uint8Array(gzipped ? gunzipSync(bytes) : bytes);
}

/**
 * A path to the weights file as a plain `.h5`: the stored file itself, or `to` after streaming the gzipped copy into
 * it (for files too large to unzip in memory). Returns the path and whether it is a temporary copy to delete.
 */
export async function fixtureWeightsOnDisk(
  name: string,
  to: string,
  file?: string,
): Promise<{ path: string; temporary: boolean }> {
  const { path, gzipped } = requirePath(name, file);
  if (!gzipped) return { path, temporary: false };
  await pipeline(createReadStream(path), createGunzip(), createWriteStream(to));
  return { path: to, temporary: true };
}

/** The h5 variants the manifest lists (e.g. h5py 3's variable-length strings), as stored file names. */
export function fixtureVariants(name: string): string[] {
  return (fixtureManifest(name).h5_variants ?? [])
    .map((v) => v.file)
    .filter((f) => fixtureWeightsPath(name, f) !== undefined);
}

/**
 * The layers with an `intermediate_<layer>` activation in the folder, in network order (the manifest's layer order;
 * file-name order when it has none).
 */
export function fixtureIntermediates(name: string): string[] {
  const layers = readdirSync(fixtureDir(name))
    .map((f) => /^intermediate_(.+)\.json$/.exec(f)?.[1])
    .filter((l): l is string => l !== undefined && existsSync(join(fixtureDir(name), `intermediate_${l}.bin`)));
  const manifest = fixtureManifest(name);
  const order = manifest.layer_names ?? manifest.layers?.map((l) => l.name) ?? [];
  const rank = (l: string) => (order.includes(l) ? order.indexOf(l) : order.length);
  return layers.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
