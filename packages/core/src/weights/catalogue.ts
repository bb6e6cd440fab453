import { FaceKitError } from '../errors.js';

/**
 * How a published weights file is packed: a Keras `save_weights` .h5, or such an .h5 inside a zip archive.
 *
 * @example
 * const format: WeightsFormat = weightsEntry('deepface').format; // 'keras-h5-zip'
 */
export type WeightsFormat = 'keras-h5' | 'keras-h5-zip';

/**
 * What a downloaded file must match, as far as its publisher says: deepface publishes no digest for its files (the
 * store then records the sha256 of the first verified download and holds every later load to it); the DeepFace
 * archive's author publishes its MD5.
 *
 * @example
 * const pin: WeightsPin = { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
 */
export interface WeightsPin {
  /** Bytes of the downloaded file (the archive for zipped weights). */
  size?: number;
  /** Lower-case hex sha256 of the downloaded file (the archive for zipped weights). */
  sha256?: string;
  /** Lower-case hex MD5 of the downloaded file, where that is the only digest its publisher gives. */
  md5?: string;
}

/**
 * One downloadable weights file: where it comes from, what it is called in the cache, which embedder reads it.
 *
 * @example
 * const { url, file, format }: WeightsEntry = weightsEntry('facenet512'); // file: 'facenet512_weights.h5'
 */
export interface WeightsEntry extends WeightsPin {
  /** The store key: the name in the store's `pull(NAME)` and in `ctx.weights(NAME)`. */
  name: string;
  /** The embedder (registry name) that loads these weights. */
  embedder: string;
  description: string;
  /** The canonical public URL. */
  url: string;
  /** File name in the cache folder: the name deepface uses, so a `~/.deepface/weights` copy can be reused. */
  file: string;
  format: WeightsFormat;
  /** For `keras-h5-zip`: the archive member to extract (default: `file`). */
  archiveMember?: string;
}

// The one weights catalogue. Core holds no entry of its own: each embedder's package registers the files it reads
// (@facekit/facenet: facenet, facenet512, openface; @facekit/deepface: deepface) on import.
const entries = new Map<string, WeightsEntry>();

/**
 * The catalogue entry of `name`, or undefined.
 *
 * @example
 * const file = findWeightsEntry('openface')?.file ?? 'openface.h5'; // 'openface_weights.h5'
 */
export function findWeightsEntry(name: string): WeightsEntry | undefined {
  return entries.get(name);
}

/**
 * The catalogue entry of `name`; E_UNKNOWN_MODEL listing the known names otherwise.
 *
 * @example
 * weightsEntry('facenet').url; // '…/facenet_weights.h5'
 */
export function weightsEntry(name: string): WeightsEntry {
  const e = entries.get(name);
  if (!e) {
    throw new FaceKitError('E_UNKNOWN_MODEL', `unknown weights '${name}' (known: ${[...entries.keys()].join(', ')})`);
  }
  return e;
}

/**
 * Every downloadable weights file, in catalogue order.
 *
 * @example
 * listWeightsEntries().map((e) => e.name); // with @facekit/facenet and @facekit/deepface imported: ['facenet', 'facenet512', 'openface', 'deepface']
 */
export function listWeightsEntries(): WeightsEntry[] {
  return [...entries.values()];
}

/**
 * Adds an entry or replaces one of the same name: pins a sha256 / size once one is known, points at a mirror.
 *
 * @example
 * registerWeightsEntry({ ...weightsEntry('facenet'), sha256: 'ab12…', url: 'https://mirror.example/facenet_weights.h5' });
 */
export function registerWeightsEntry(entry: WeightsEntry): void {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(entry.name) || !/^[^/\\]+$/.test(entry.file) || entry.file.startsWith('.')) {
    throw new FaceKitError('E_CONFIG', `weights entry '${entry.name}': name and file must be plain file names`);
  }
  if (entry.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(entry.sha256)) {
    throw new FaceKitError('E_CONFIG', `weights entry '${entry.name}': sha256 must be 64 lower-case hex digits`);
  }
  if (entry.md5 !== undefined && !/^[0-9a-f]{32}$/.test(entry.md5)) {
    throw new FaceKitError('E_CONFIG', `weights entry '${entry.name}': md5 must be 32 lower-case hex digits`);
  }
  entries.set(entry.name, { ...entry });
}
