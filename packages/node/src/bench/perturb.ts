import { FaceKitError, seededRandom } from '@facekit/core';
import sharp from 'sharp';

/**
 * The degradations `facekit bench lfw --perturb` applies to the second image of each pair:
 * - `rotate`: in-plane rotation by ±(10°…rotateMax), mid-grey corners;
 * - `small`: the image scaled so its face is ~smallFace px wide, placed at a random spot of a scene (smooth random
 *   colour blotches, sceneWidth × sceneHeight);
 * - `jpeg-grey`: greyscale, then JPEG at jpegQuality;
 * - `bystander`: the subject centred on a wider canvas with another person's photo (× bystanderScale) beside it;
 * - `exif`: pixels stored turned (90°, 180° or 270°) with the EXIF orientation that turns them upright.
 *
 * @example
 * const kinds: PerturbKind[] = ['rotate', 'small'];
 */
export const PERTURB_KINDS = ['rotate', 'small', 'jpeg-grey', 'bystander', 'exif'] as const;
/** One of {@link PERTURB_KINDS}. */
export type PerturbKind = (typeof PERTURB_KINDS)[number];

/**
 * The perturbations' parameters (every one an option; these defaults are the documented benchmark).
 *
 * @example
 * const p: PerturbParams = { ...DEFAULT_PERTURB, smallFace: 32 };
 */
export interface PerturbParams {
  /** Seed of every random choice: the same seed gives the same files. */
  seed: number;
  /** Largest rotation in degrees (rotate). */
  rotateMax: number;
  /** Face width in the scene in pixels (small); LFW's deep-funneled faces are ~105 px wide in 250. */
  smallFace: number;
  sceneWidth: number;
  sceneHeight: number;
  /** JPEG quality 1…100 (jpeg-grey). */
  jpegQuality: number;
  /** The bystander's size relative to the subject's photo (bystander). */
  bystanderScale: number;
}

/**
 * The benchmark's default parameters.
 *
 * @example
 * perturbImage('rotate', 'a.jpg', 'b.jpg', DEFAULT_PERTURB, 7);
 */
export const DEFAULT_PERTURB: PerturbParams = {
  seed: 21,
  rotateMax: 30,
  smallFace: 40,
  sceneWidth: 1280,
  sceneHeight: 960,
  jpegQuality: 10,
  bystanderScale: 0.9,
};
/** Width of a deep-funneled LFW face in its 250-px image (BlazeFace box), to scale `small` by. */
const LFW_FACE_WIDTH = 105;
const GREY = { r: 128, g: 128, b: 128 };

/**
 * Checks the parameters (E_CONFIG).
 *
 * @example
 * assertPerturbParams({ ...DEFAULT_PERTURB, jpegQuality: 0 }); // throws E_CONFIG
 */
export function assertPerturbParams(p: PerturbParams): void {
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new FaceKitError('E_CONFIG', `perturbation parameter ${what}`);
  };
  check(Number.isInteger(p.seed), `seed must be an integer, got ${p.seed}`);
  check(p.rotateMax >= 10 && p.rotateMax <= 180, `rotate-max must be in [10, 180], got ${p.rotateMax}`);
  check(p.smallFace >= 8 && p.smallFace <= 400, `small-face must be in [8, 400], got ${p.smallFace}`);
  check(Number.isInteger(p.sceneWidth) && p.sceneWidth >= 256 && p.sceneWidth <= 8192, 'scene width in [256, 8192]');
  check(
    Number.isInteger(p.sceneHeight) && p.sceneHeight >= 256 && p.sceneHeight <= 8192,
    'scene height in [256, 8192]',
  );
  check(Number.isInteger(p.jpegQuality) && p.jpegQuality >= 1 && p.jpegQuality <= 100, 'jpeg-quality in [1, 100]');
  check(
    p.bystanderScale > 0.2 && p.bystanderScale <= 2,
    `bystander-scale must be in (0.2, 2], got ${p.bystanderScale}`,
  );
}

/**
 * The degraded copy of an image as JPEG bytes (PNG-free: every kind ends in a JPEG, as photos do). Deterministic:
 * the random choices come from `seededRandom(params.seed, kind, item)`. `bystander` is the file of another person
 * (used by the `bystander` kind only).
 *
 * @example
 * const bytes = await perturbImage('small', 'Aaron_Eckhart_0001.jpg', 'Abel_Pacheco_0001.jpg', DEFAULT_PERTURB, 0);
 */
export async function perturbImage(
  kind: PerturbKind,
  path: string,
  bystander: string,
  params: PerturbParams,
  item: number,
): Promise<Buffer> {
  const rng = seededRandom((params.seed * 1_000_003) ^ (PERTURB_KINDS.indexOf(kind) * 7_919 + item * 104_729));
  const meta = await sharp(path).metadata();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (!width || !height) throw new FaceKitError('E_DECODE', `${path} has no dimensions`);
  switch (kind) {
    case 'rotate': {
      const angle = (rng() < 0.5 ? -1 : 1) * (10 + rng() * (params.rotateMax - 10));
      return sharp(path).rotate(angle, { background: GREY }).jpeg({ quality: 95 }).toBuffer();
    }
    case 'jpeg-grey':
      return sharp(path).greyscale().jpeg({ quality: params.jpegQuality }).toBuffer();
    case 'exif': {
      const orientation = [3, 6, 8][Math.floor(rng() * 3)];
      // Stored turned the other way: 6 displays after a 90° clockwise turn, so store it 90° anticlockwise.
      const stored = { 3: 180, 6: 270, 8: 90 }[orientation as 3 | 6 | 8];
      const turned = await sharp(path).rotate(stored).toBuffer();
      return sharp(turned).withMetadata({ orientation }).jpeg({ quality: 95 }).toBuffer();
    }
    case 'small': {
      const scale = params.smallFace / LFW_FACE_WIDTH;
      const w = Math.max(1, Math.round(width * scale));
      const h = Math.max(1, Math.round(height * scale));
      const { sceneWidth: sw, sceneHeight: sh } = params;
      // A scene of smooth colour blotches: a coarse random image, upscaled.
      const coarse = Buffer.alloc(16 * 12 * 3);
      for (let i = 0; i < coarse.length; i++) coarse[i] = 40 + Math.floor(rng() * 176);
      const scene = await sharp(coarse, { raw: { width: 16, height: 12, channels: 3 } })
        .resize(sw, sh, { kernel: 'cubic' })
        .png()
        .toBuffer();
      const face = await sharp(path).resize(w, h).toBuffer();
      const left = Math.floor(rng() * Math.max(1, sw - w));
      const top = Math.floor(rng() * Math.max(1, sh - h));
      return sharp(scene)
        .composite([{ input: face, left, top }])
        .jpeg({ quality: 90 })
        .toBuffer();
    }
    case 'bystander': {
      const other = await sharp(bystander).metadata();
      const bw = Math.max(
        1,
        Math.round((other.width ?? width) * params.bystanderScale * (height / (other.height ?? height))),
      );
      const bh = Math.max(1, Math.round(height * params.bystanderScale));
      const canvasW = Math.round(width + 2 * bw);
      const right = rng() < 0.5;
      const canvasH = Math.max(height, bh);
      const by = await sharp(bystander).resize(bw, bh).toBuffer();
      return sharp({ create: { width: canvasW, height: canvasH, channels: 3, background: GREY } })
        .composite([
          { input: await sharp(path).toBuffer(), left: bw, top: Math.floor((canvasH - height) / 2) },
          { input: by, left: right ? bw + width : 0, top: Math.floor((canvasH - bh) / 2) },
        ])
        .jpeg({ quality: 95 })
        .toBuffer();
    }
  }
}
