import { FaceKitError } from '@facekit/core';

/**
 * Options of the BlazeFace detector.
 *
 * @example
 * const faces = await detector.detect(image, { minScore: 0.6, maxFaces: 5, minFaceSize: 40 } satisfies BlazeFaceOptions);
 */
export interface BlazeFaceOptions {
  /** Minimum score in [0, 1] (default 0.5). */
  minScore?: number;
  /** At most this many faces, best first (default 20). */
  maxFaces?: number;
  /** Boxes overlapping a better one by more than this IoU are merged into it (default 0.3, MediaPipe's value). */
  iouThreshold?: number;
  /**
   * A second look with the image shrunk to ZOOM_OUT_FILL of the input, for faces that fill the frame (tight face
   * crops, close-ups), which the full-range model misses at full size: 'auto' (default: when the first look found
   * nothing or hints at a face too big for it, see `wantsZoomOut`), 'always' (one more model run), or 'never'.
   */
  zoomOut?: 'auto' | 'always' | 'never';
  /**
   * Smallest face to find, in pixels (detector box width, about eyebrow-to-chin). One look at the whole image finds
   * faces down to ~7% of its long side; smaller ones need looks at tiles (see `tileWindows`), one model run each.
   * A number: search tiles down to that size every time. 'auto' (default): only when the whole-image looks found
   * nothing, down to AUTO_MIN_FACE_SIZE. `Infinity`: never tile.
   */
  minFaceSize?: number | 'auto';
  /**
   * For callers that need only the prominent face (the pipeline when it embeds one face per image): look at the
   * whole image at QUICK_INPUT (160²) first, and when that finds a face at least ~30 % of the long side, answer with
   * that look's faces and skip the full-resolution ones. Smaller faces beside a large one can then be missed.
   * Default false: every look, every face.
   */
  quick?: boolean;
}

export type ResolvedOptions = Required<BlazeFaceOptions>;

/** The options with their defaults filled in, checked (E_CONFIG). */
export function resolveOptions(o: BlazeFaceOptions): ResolvedOptions {
  const minFaceSize = o.minFaceSize ?? 'auto';
  if (minFaceSize !== 'auto' && !(typeof minFaceSize === 'number' && minFaceSize > 0)) {
    throw new FaceKitError('E_CONFIG', `minFaceSize must be 'auto' or a number > 0, got ${String(minFaceSize)}`);
  }
  const zoomOut = o.zoomOut ?? 'auto';
  if (!['auto', 'always', 'never'].includes(zoomOut)) {
    throw new FaceKitError('E_CONFIG', `zoomOut must be 'auto', 'always' or 'never', got ${String(zoomOut)}`);
  }
  const minScore = o.minScore ?? 0.5;
  const maxFaces = o.maxFaces ?? 20;
  const iouThreshold = o.iouThreshold ?? 0.3;
  if (!(minScore >= 0 && minScore <= 1))
    throw new FaceKitError('E_CONFIG', `minScore must be in [0, 1], got ${minScore}`);
  if (!Number.isInteger(maxFaces) || maxFaces < 1) {
    throw new FaceKitError('E_CONFIG', `maxFaces must be an integer ≥ 1, got ${maxFaces}`);
  }
  if (!(iouThreshold > 0 && iouThreshold <= 1)) {
    throw new FaceKitError('E_CONFIG', `iouThreshold must be in (0, 1], got ${iouThreshold}`);
  }
  const quick = o.quick ?? false;
  if (typeof quick !== 'boolean') throw new FaceKitError('E_CONFIG', `quick must be a boolean, got ${String(quick)}`);
  return { minScore, maxFaces, iouThreshold, zoomOut, minFaceSize, quick };
}
