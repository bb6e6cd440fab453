import { type AlignmentTemplate, type Face, models, type Point, type Point3 } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  applySimilarity,
  FRONTAL_MODEL_68,
  FrontalAligner,
  frontalLayout,
  GENERIC_FACE_68,
  GENERIC_FACE_FIVE,
  invertSimilarity,
  MEAN_FACE_MESH,
  MESH_TO_68,
  mirrorPartners,
  SimilarityAligner,
} from '../src/index.js';
import { asymmetricTexture, psnr, renderFace, ssim, symmetricTexture, type Texture } from './render-face.js';

type AnyAligner = { align(image: tf.Tensor3D, face: Face, template: AlignmentTemplate): tf.Tensor3D };

/** A dlib-style 112 × 112 template on the 51 inner landmarks (the generic face, scaled and centred). */
const template: AlignmentTemplate = {
  size: [112, 112],
  source: 'landmarks51',
  points: GENERIC_FACE_68.slice(17).map(([x, y]): Point => [56 + 34 * x, 58 + 34 * y]),
};
/** InsightFace's ArcFace 112 × 112 five-point template. */
const arcface: AlignmentTemplate = {
  size: [112, 112],
  source: 'five',
  points: [
    [38.2946, 51.6963],
    [73.5318, 51.5014],
    [56.0252, 71.7366],
    [41.5493, 92.3655],
    [70.7299, 92.2041],
  ],
};

const layout68 = frontalLayout(FRONTAL_MODEL_68, template);
/** Output pixels of the face itself (triangles between face vertices, not the border ring). */
const faceMask = Uint8Array.from(layout68.plan.pixelTriangle, (t) => (layout68.plan.cullable[t] ? 1 : 0));

/** The ideal frontal view: the texture at each output pixel's generic (x, y). */
function idealFrontal(texture: Texture): Float32Array {
  const toModel = invertSimilarity(layout68.toOutput);
  const out = new Float32Array(112 * 112 * 3);
  for (let y = 0; y < 112; y++)
    for (let x = 0; x < 112; x++) out.set(texture(...applySimilarity(toModel, [x, y])), 3 * (y * 112 + x));
  return out;
}

/** A synthetic face rendered at `yaw` degrees, as an image tensor and a Face with exact landmarks and mesh. */
function synthetic(yaw: number, texture: Texture = symmetricTexture, shape?: (p: Point3) => Point3) {
  const r = renderFace({ size: [250, 250], yaw: (yaw * Math.PI) / 180, scale: 43, centre: [125, 120], texture, shape });
  const image = tf.tensor3d(r.pixels, [250, 250, 3]);
  const face: Face = { box: { x: 60, y: 60, width: 130, height: 130 }, score: 1, detector: 'synthetic' };
  return { image, face: { ...face, landmarks: r.landmarks, mesh: r.mesh }, bare: face };
}

function alignData(aligner: AnyAligner, image: tf.Tensor3D, face: Face, t = template): Float32Array {
  const out = aligner.align(image, face, t);
  const d = out.dataSync() as Float32Array;
  out.dispose();
  return d;
}

const aligners: Record<string, () => AnyAligner> = {
  '2d': () => new SimilarityAligner(),
  '3d': () => new FrontalAligner('3d'),
  '3d-dense': () => new FrontalAligner('3d', { surface: 'dense' }),
  mesh: () => new FrontalAligner('mesh'),
};

describe('the generic face', () => {
  it('is centred, unit-RMS, left-right symmetric, with the nose tip nearest the camera', () => {
    const cx = GENERIC_FACE_68.reduce((a, p) => a + p[0], 0) / 68;
    const cy = GENERIC_FACE_68.reduce((a, p) => a + p[1], 0) / 68;
    const rms = Math.sqrt(GENERIC_FACE_68.reduce((a, p) => a + p[0] ** 2 + p[1] ** 2, 0) / 68);
    expect(Math.abs(cx)).toBeLessThan(1e-3);
    expect(Math.abs(cy)).toBeLessThan(1e-3);
    expect(rms).toBeCloseTo(1, 2);
    const zMin = Math.min(...GENERIC_FACE_68.map((p) => p[2]));
    expect(GENERIC_FACE_68[30][2]).toBe(zMin);
    // Eyes above the nose above the mouth above the chin; the outer eye corners 36 / 45 mirror each other.
    expect(GENERIC_FACE_68[36][1]).toBeLessThan(GENERIC_FACE_68[30][1]);
    expect(GENERIC_FACE_68[30][1]).toBeLessThan(GENERIC_FACE_68[51][1]);
    expect(GENERIC_FACE_68[51][1]).toBeLessThan(GENERIC_FACE_68[8][1]);
    expect(GENERIC_FACE_68[36][0]).toBeCloseTo(-GENERIC_FACE_68[45][0], 3);
    expect(mirrorPartners(GENERIC_FACE_68)[36]).toBe(45);
    expect(mirrorPartners(MEAN_FACE_MESH)).toHaveLength(468);
    // The 68 points are the mean mesh's vertices (up to the symmetrisation and rounding).
    GENERIC_FACE_68.forEach((p, i) => {
      const m = MEAN_FACE_MESH[MESH_TO_68[i]];
      expect(Math.hypot(p[0] - m[0], p[1] - m[1], p[2] - m[2])).toBeLessThan(0.003);
    });
  });

  it('lands on the embedder template points (five and landmarks51)', () => {
    for (const t of [template, arcface]) {
      const { toOutput } = frontalLayout(FRONTAL_MODEL_68, t);
      const generic = t.source === 'five' ? GENERIC_FACE_FIVE : GENERIC_FACE_68.slice(17);
      const err = generic.map((p, i) =>
        Math.hypot(...(applySimilarity(toOutput, [p[0], p[1]]).map((v, k) => v - t.points[i][k]) as Point)),
      );
      expect(Math.max(...err)).toBeLessThan(t.source === 'five' ? 3 : 1e-6);
    }
  });
});

describe('frontalisation of a synthetic textured face', () => {
  it('is the 2D alignment for a frontal face (identity), for every mode', () => {
    const { image, face } = synthetic(0);
    const ref = alignData(aligners['2d'](), image, face);
    for (const mode of ['3d', '3d-dense', 'mesh']) {
      const out = alignData(aligners[mode](), image, face);
      expect(psnr(out, ref, new Uint8Array(112 * 112).fill(1))).toBeGreaterThan(60);
    }
    image.dispose();
  });

  // Floors (dB) for the symmetric texture; measured on wasm: 3d 24.1 / 23.2, 3d-dense and mesh 37.9 / 34.8, 2d 18.6 / 15.5.
  const floors: Record<string, [number, number]> = { '3d': [22, 21], '3d-dense': [34, 31], mesh: [34, 31] };

  it('turns ±15° and ±30° faces frontal (PSNR / SSIM against the ideal frontal view)', () => {
    const report: string[] = [];
    for (const [name, texture] of [
      ['symmetric', symmetricTexture],
      ['asymmetric', asymmetricTexture],
    ] as const) {
      const ideal = idealFrontal(texture);
      for (const yaw of [15, -15, 30, -30]) {
        const { image, face } = synthetic(yaw, texture);
        const scores: Record<string, number> = {};
        const row: string[] = [];
        for (const [mode, make] of Object.entries(aligners)) {
          const out = alignData(make(), image, face);
          scores[mode] = psnr(out, ideal, faceMask);
          row.push(`${mode} ${scores[mode].toFixed(1)} dB / ${ssim(out, ideal, [112, 112], faceMask).toFixed(3)}`);
        }
        report.push(`${name.padEnd(10)} yaw ${String(yaw).padStart(3)}°: ${row.join(' | ')}`);
        if (texture === symmetricTexture) {
          for (const mode of ['3d', '3d-dense', 'mesh']) {
            expect(scores[mode]).toBeGreaterThan(floors[mode][Math.abs(yaw) === 15 ? 0 : 1]);
            expect(scores[mode]).toBeGreaterThan(scores['2d'] + 4);
          }
        }
        image.dispose();
      }
    }
    console.log(`PSNR / SSIM over the face against the ideal frontal view (${tf.getBackend()}):\n${report.join('\n')}`);
  });

  it('keeps identity-specific shape (residuals) while removing pose', () => {
    // A face with wider-set eyes and a lower mouth than the generic one.
    const shape = ([x, y, z]: Point3): Point3 => [
      x * (1 + 0.12 * Math.exp(-((y + 0.7) ** 2) / 0.08)),
      y + (y > 0 ? 0.08 * Math.exp(-(x * x) / 0.1) : 0),
      z,
    ];
    const run = (a: AnyAligner, yaw: number, s?: typeof shape) => {
      const { image, face } = synthetic(yaw, symmetricTexture, s);
      const d = alignData(a, image, face);
      image.dispose();
      return d;
    };
    const score = (a: AnyAligner) => {
      const own0 = run(a, 0, shape);
      return {
        pose: psnr(own0, run(a, 25, shape), faceMask), // same face, frontal vs 25°: high = pose removed
        identity: psnr(own0, run(a, 0), faceMask), // this face vs the generic face: low = shape kept
      };
    };
    const keep = score(new FrontalAligner('3d'));
    const normalized = score(new FrontalAligner('3d', { normalizeShape: 1 }));
    const twoD = score(new SimilarityAligner());
    console.log(
      `pose / identity PSNR: 3d ${keep.pose.toFixed(1)} / ${keep.identity.toFixed(1)}, normalizeShape 1 ${normalized.pose.toFixed(1)} / ${normalized.identity.toFixed(1)}, 2d ${twoD.pose.toFixed(1)}`,
    );
    expect(keep.identity).toBeLessThan(normalized.identity - 3);
    expect(keep.pose).toBeGreaterThan(twoD.pose + 3);
  });

  it("uses the face's own mesh depth in 'mesh' mode", () => {
    // A longer nose than the generic face's.
    const shape = ([x, y, z]: Point3): Point3 => [x, y, z - 0.5 * Math.exp(-(x * x + (y + 0.1) ** 2) / 0.08)];
    const ideal = idealFrontal(symmetricTexture);
    const { image, face } = synthetic(20, symmetricTexture, shape);
    const own = psnr(alignData(new FrontalAligner('mesh'), image, face), ideal, faceMask);
    const generic = psnr(alignData(new FrontalAligner('mesh', { ownDepth: false }), image, face), ideal, faceMask);
    expect(own).toBeGreaterThan(generic + 3);
    image.dispose();
  });

  it('frontalises a batch like single faces', () => {
    const a = synthetic(20);
    const b = synthetic(-10);
    const aligner = new FrontalAligner('3d');
    const images = tf.stack([a.image, b.image]) as tf.Tensor4D;
    const both = aligner.frontalize(images, [a.face, b.face], template);
    const d = both.dataSync();
    const one = alignData(aligner, b.image, b.face);
    let m = 0;
    for (let i = 0; i < one.length; i++) m = Math.max(m, Math.abs(d[one.length + i] - one[i]));
    expect(m).toBeLessThan(1e-3);
    tf.dispose([images, both, a.image, b.image]);
  });
});

describe('FrontalAligner', () => {
  it("falls back: no landmarks → '2d' (box), 'mesh' without a mesh → '3d'", () => {
    const { image, face, bare } = synthetic(20);
    const box = alignData(new SimilarityAligner(), image, bare);
    expect(alignData(new FrontalAligner('3d'), image, bare)).toEqual(box);
    const noMesh = { ...face, mesh: undefined };
    expect(alignData(new FrontalAligner('mesh'), image, noMesh)).toEqual(
      alignData(new FrontalAligner('3d'), image, face),
    );
    image.dispose();
  });

  it("is registered as '3d', '3d-dense' and 'mesh'", async () => {
    for (const name of ['3d', '3d-dense', 'mesh']) {
      const a = await models.aligners.get(name).create({ files: async () => new Uint8Array() });
      expect(a).toBeInstanceOf(FrontalAligner);
      expect(a.name).toBe(name);
    }
  });

  it('rejects bad options with E_CONFIG', () => {
    expect(() => new FrontalAligner('3d', { normalizeShape: 2 })).toThrow(
      expect.objectContaining({ code: 'E_CONFIG' }),
    );
    expect(() => new FrontalAligner('3d', { minVisibility: 0.5, fullVisibility: 0.2 })).toThrow(
      expect.objectContaining({ code: 'E_CONFIG' }),
    );
    expect(() => new FrontalAligner('4d' as '3d')).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
  });

  it('does not leak tensors and reports its speed (not asserted)', () => {
    const { image, face } = synthetic(25);
    const int = tf.tidy(() => tf.cast(tf.round(image), 'int32')) as tf.Tensor3D;
    const lines: string[] = [];
    for (const mode of ['3d', 'mesh'] as const) {
      const aligner = new FrontalAligner(mode);
      for (const t of [
        template,
        {
          ...template,
          size: [150, 150] as [number, number],
          points: template.points.map(([x, y]): Point => [x * 1.34, y * 1.34]),
        },
      ]) {
        aligner.align(int, face, t).dispose(); // builds the layout (cached)
        const before = tf.memory().numTensors;
        const times: number[] = [];
        for (let i = 0; i < 15; i++) {
          const t0 = performance.now();
          const out = aligner.align(int, face, t);
          out.dataSync();
          times.push(performance.now() - t0);
          out.dispose();
        }
        expect(tf.memory().numTensors).toBe(before);
        times.sort((x, y) => x - y);
        lines.push(`${mode} ${t.size[0]}²: min ${times[0].toFixed(2)} ms, median ${times[7].toFixed(2)} ms`);
      }
    }
    const t0 = performance.now();
    frontalLayout(FRONTAL_MODEL_68, { ...template, size: [150, 150] });
    lines.push(`layout build (once per template, 3d 150²): ${(performance.now() - t0).toFixed(1)} ms`);
    console.log(`align all-in on ${tf.getBackend()} (250×250 input): ${lines.join('; ')}`);
    tf.dispose([image, int]);
  });
});
