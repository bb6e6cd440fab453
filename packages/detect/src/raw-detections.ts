import type { Box, Face, Point } from '@facekit/core';

/**
 * What the detector saw before clipping: the landmarker needs the true box of a face cut by the image border.
 *
 * @example
 * const raw: RawDetection | undefined = rawDetection(face);
 */
export interface RawDetection {
  /** Unclipped box (may extend past the image). */
  box: Box;
  /** BlazeFace's six keypoints, pixel-index coordinates (see BLAZEFACE_KEYPOINTS). */
  keypoints: Point[];
}

// Keyed by the Face object the detector returned; a copied or deserialised face simply falls back to its box.
const raw = new WeakMap<Face, RawDetection>();

export function rememberDetection(face: Face, detection: RawDetection): void {
  raw.set(face, detection);
}

/**
 * The detector's unclipped box and keypoints for a face it returned, if this is that object.
 *
 * @example
 * const [face] = await detector.detect(image);
 * const raw = rawDetection(face); // the unclipped box and six keypoints, for this face object
 */
export function rawDetection(face: Face): RawDetection | undefined {
  return raw.get(face);
}
