import { type Candidate, iou } from './weighted-merge.js';

/**
 * Where the detector looks. BlazeFace sees the image through a 256×256 input, which resolves faces down to about
 * SINGLE_LOOK_MIN_FACE (7%) of the window's long side. Smaller faces in large images are found by looking at overlapping
 * square tiles (see tileWindows); faces filling the frame, by zooming out (see wantsZoomOut).
 */

/**
 * Smallest face (detector box width) one look finds reliably, as a fraction of the window's long side. Measured on
 * mosaics of LFW images: 63/64 faces found at 0.059, 85/100 at 0.046.
 *
 * @example
 * const smallest = SINGLE_LOOK_MIN_FACE * Math.max(width, height); // px found without tiling
 */
export const SINGLE_LOOK_MIN_FACE = 0.07;
/** Largest face a tile level covers, as a fraction of the tile: with half a tile of overlap such a face is whole in
 * some tile. */
export const TILE_MAX_FACE = 0.5;
/** Tile side ratio between levels: a level covers faces from 0.07 to 0.5 of its tile (7×), so 6 leaves overlap. */
export const TILE_STEP = 6;
/** Tiles smaller than the detector input would only upsample: no point. */
export const MIN_TILE = 256;

/**
 * The face size 'auto' tiling searches down to when the whole image showed no face: 24 px, so that a face a person
 * can see in a large scene is not E_NO_FACE. Measured on 24 LFW images scaled so the face is 40 px wide and placed
 * in a 1280×960 scene (`facekit bench lfw --perturb small`): 22 of 24 found when tiling stopped at 80 px, 24 of 24 at
 * 48 px and below. Portraits never get here (the whole-image look finds them); an image with no face at all pays
 * the tiles (1280×960: 35 tile looks at 24 px instead of 2 at 80 px).
 *
 * @example
 * await detector.detect(image, { minFaceSize: AUTO_MIN_FACE_SIZE }); // what 'auto' tiles down to
 */
export const AUTO_MIN_FACE_SIZE = 24;

/**
 * Fraction of the detector input the image's long side takes in the zoomed-out look.
 *
 * @example
 * const side = ZOOM_OUT_FILL * BLAZEFACE_INPUT; // the image's long side in the zoomed-out look
 */
export const ZOOM_OUT_FILL = 0.6;
/** A weak candidate at least this likely, and at least ZOOM_OUT_SIZE of the image, hints at a face too big to see. */
export const ZOOM_OUT_HINT = 0.2;
const ZOOM_OUT_SIZE = 0.4;

/**
 * 'auto' zooms out when the first look found no face, or saw a large weak candidate apart from every face it found:
 * that is what a face filling the frame looks like to the full-range model (it still finds the bystanders).
 */
export function wantsZoomOut(all: Candidate[], accepted: Candidate[], shape: number[]): boolean {
  if (accepted.length === 0) return true;
  const long = Math.max(shape[0], shape[1]);
  return all.some(
    (c) =>
      c.score >= ZOOM_OUT_HINT &&
      Math.max(c.box[2] - c.box[0], c.box[3] - c.box[1]) >= ZOOM_OUT_SIZE * long &&
      accepted.every((a) => iou(a.box, c.box) < 0.3),
  );
}

/** An image window in pixel indices: columns [x, x + size) and rows [y, y + size), clipped to the image. */
export interface Window {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Start offsets of windows of length `tile` covering [0, length) with at least half a tile of overlap. */
function offsets(length: number, tile: number): number[] {
  if (length <= tile) return [0];
  const n = Math.ceil((length - tile) / (tile / 2)) + 1;
  return Array.from({ length: n }, (_, i) => Math.round((i * (length - tile)) / (n - 1)));
}

/**
 * The tile windows that find faces down to `minFaceSize` pixels in a width×height image, beyond what the whole-image
 * look already resolves: the finest level resolves minFaceSize, coarser levels (TILE_STEP× larger) follow until a
 * level's largest face meets the whole-image look's smallest. Empty when the whole image is enough.
 *
 * @example
 * tileWindows(1600, 1200, 25).length; // the model runs needed to find 25-px faces
 */
export function tileWindows(width: number, height: number, minFaceSize: number): Window[] {
  const long = Math.max(width, height);
  const windows: Window[] = [];
  if (SINGLE_LOOK_MIN_FACE * long <= minFaceSize) return windows;
  for (let tile = Math.max(MIN_TILE, minFaceSize / SINGLE_LOOK_MIN_FACE); tile < long; tile *= TILE_STEP) {
    const t = Math.round(tile);
    for (const y of offsets(height, t)) {
      for (const x of offsets(width, t)) {
        windows.push({ x, y, width: Math.min(t, width - x), height: Math.min(t, height - y) });
      }
    }
    if (TILE_MAX_FACE * tile >= SINGLE_LOOK_MIN_FACE * long) break;
  }
  return windows;
}
