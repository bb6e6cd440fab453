#!/usr/bin/env node
// Rebuilds packages/align/src/generic-face-3d.ts: the generic 3D face used by the '3d' and 'mesh' aligners.
//
//   node packages/align/scripts/build-generic-face.mjs [--people 600] [--lfw DIR] [--out FILE] [--cache FILE]
//
// Recipe (deterministic; needs the LFW deep-funneled images, ~3 minutes on wasm):
//  1. People: every k-th line of LFW View 1 `peopleDevTrain.txt` (k chosen to give --people names), image 0001 of each.
//     Only DevTrain people: none of them appear in View 1 DevTest, so the model never saw the development test set.
//  2. blazeface → facemesh (@facekit/detect, the pipeline's defaults) on each image; the largest face, kept when
//     FaceMesh's presence score is ≥ 0.9.
//  3. Each mesh is normalised (centroid, RMS radius 1, eye line level, z by the same scale) and its pose read from the
//     least-squares plane z = a·x + b·y + c; faces whose slopes a (yaw) and b (pitch) lie within ±SLOPE of the
//     median are "frontal" and kept.
//  4. Generalised Procrustes on x, y (2D similarity per face, z scaled alike, 5 rounds) → the mean mesh.
//  5. The mean is made exactly left-right symmetric: mirror pairs are found as nearest neighbours of the reflected
//     mean, the reflected copy is similarity-aligned onto the mean and the two are averaged; then rotated so the
//     symmetry axis is x = 0.
//  6. 68 points: the mean mesh at @facekit/detect's MESH_TO_68, symmetrised with the iBUG mirror pairs. Five points:
//     detect's fiveFromMesh of the mean mesh (eye-contour centres, nose tip, mouth corners).
//  7. Units: centroid of the 68 points at the origin (x, y and z), RMS radius of the 68 (x, y) = 1; x image-right,
//     y down, z away from the camera. Stored as integers × 1000.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadFacekit, modelContext, readImage, repoRoot, useBackend } from './facekit-source.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const PEOPLE = Number(opt('people', '600'));
const LFW = opt('lfw', process.env.FACEKIT_LFW ?? join(repoRoot, '..', 'shared', 'data', 'lfw'));
const OUT = opt('out', join(repoRoot, 'packages', 'align', 'src', 'generic-face-3d.ts'));
const CACHE = opt('cache', undefined);
const MIN_PRESENCE = 0.9;
const SLOPE = 0.12; // ≈ ±7° of yaw / pitch around the median pose

/** iBUG 68 mirror pairs (subject's right ↔ left); points on the midline map to themselves. */
const IBUG_MIRROR = (() => {
  const m = Array.from({ length: 68 }, (_, i) => i);
  const pair = (a, b) => {
    m[a] = b;
    m[b] = a;
  };
  for (let i = 0; i < 8; i++) pair(i, 16 - i);
  for (let i = 0; i < 5; i++) pair(17 + i, 26 - i);
  pair(31, 35);
  pair(32, 34);
  [
    [36, 45],
    [37, 44],
    [38, 43],
    [39, 42],
    [40, 47],
    [41, 46],
    [48, 54],
    [49, 53],
    [50, 52],
    [55, 59],
    [56, 58],
    [60, 64],
    [61, 63],
    [65, 67],
  ].forEach(([a, b]) => {
    pair(a, b);
  });
  return m;
})();

// ---------- small geometry helpers (plain arrays of [x, y, z]) ----------

/** Applies a 2D similarity to x, y and its scale to z. */
const applySim = (t, pts) => {
  const s = Math.hypot(t.a, t.b);
  return pts.map(([x, y, z]) => [t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty, z * s]);
};
const centroid = (pts) => {
  const c = [0, 0, 0];
  for (const p of pts) for (let k = 0; k < 3; k++) c[k] += p[k] / pts.length;
  return c;
};
const rms2d = (pts) => {
  const c = centroid(pts);
  return Math.sqrt(pts.reduce((a, p) => a + (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2, 0) / pts.length);
};
/** Centres on the centroid of `ref` indices (all when omitted) and scales their RMS xy radius to 1. */
function normalise(pts, ref) {
  const sub = ref ? ref.map((i) => pts[i]) : pts;
  const c = centroid(sub);
  const s = 1 / rms2d(sub);
  return pts.map((p) => [(p[0] - c[0]) * s, (p[1] - c[1]) * s, (p[2] - c[2]) * s]);
}
const rotate2d = (pts, angle) => {
  const c = Math.cos(angle),
    s = Math.sin(angle);
  return pts.map(([x, y, z]) => [c * x - s * y, s * x + c * y, z]);
};
/** Least-squares plane z = a·x + b·y + c. */
function planeSlopes(pts) {
  const m = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const v = [0, 0, 0];
  for (const [x, y, z] of pts) {
    const r = [x, y, 1];
    for (let i = 0; i < 3; i++) {
      v[i] += r[i] * z;
      for (let j = 0; j < 3; j++) m[i][j] += r[i] * r[j];
    }
  }
  // Cramer's rule on the 3×3 normal equations.
  const det = (a) =>
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  const d = det(m);
  const col = (k) => m.map((row, i) => row.map((e, j) => (j === k ? v[i] : e)));
  return [det(col(0)) / d, det(col(1)) / d];
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

// ---------- 1–2: meshes of DevTrain faces ----------

async function collectMeshes({ core, detect }) {
  if (CACHE && existsSync(CACHE)) return JSON.parse(readFileSync(CACHE, 'utf8'));
  const tf = await useBackend();
  const ctx = await modelContext();
  const detector = await core.models.detectors.get('blazeface').create(ctx);
  // Two FaceMesh looks on every face (the detect package's default before 'auto'; the file was built so).
  const landmarker = await detect.FaceMeshLandmarker.load(ctx, { passes: 2 });
  const lines = readFileSync(join(LFW, 'peopleDevTrain.txt'), 'utf8').trim().split(/\r?\n/).slice(1);
  const step = Math.max(1, Math.floor(lines.length / PEOPLE));
  const names = lines
    .filter((_, i) => i % step === 0)
    .slice(0, PEOPLE)
    .map((l) => l.split('\t')[0]);
  const out = [];
  for (const [k, name] of names.entries()) {
    const img = await readImage(tf, join(LFW, 'images', name, `${name}_0001.jpg`));
    try {
      const faces = await detector.detect(img, { minScore: 0.5 });
      faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
      if (!faces.length) continue;
      const f = await landmarker.refine(img, faces[0]);
      if (f.mesh && (f.meshScore ?? 1) >= MIN_PRESENCE) out.push({ name, mesh: f.mesh });
    } finally {
      img.dispose();
    }
    if ((k + 1) % 50 === 0) console.error(`  ${k + 1}/${names.length} images, ${out.length} meshes`);
  }
  detector.dispose();
  landmarker.dispose();
  const result = { step, tried: names.length, faces: out };
  if (CACHE) writeFileSync(CACHE, JSON.stringify(result));
  return result;
}

// ---------- 3–7 ----------

// One esbuild bundle of the sources for the whole script.
const facekit = await loadFacekit();
const { detect, align } = facekit;
const MESH_TO_68 = detect.MESH_TO_68;
/** Least-squares similarity (a, b, tx, ty) mapping src xy onto dst xy (z ignored): @facekit/align's Umeyama. */
const similarity = align.estimateSimilarity;
const collected = await collectMeshes(facekit);
console.error(
  `${collected.faces.length} meshes from ${collected.tried} DevTrain images (every ${collected.step}th person)`,
);

// 3. Normalise and level each mesh (eye line from the outer eye corners), read its pose.
const levelled = collected.faces.map(({ name, mesh }) => {
  let p = normalise(mesh);
  const r = p[33],
    l = p[263];
  p = rotate2d(p, -Math.atan2(l[1] - r[1], l[0] - r[0]));
  const [a, b] = planeSlopes(p);
  return { name, p, a, b };
});
const ma = median(levelled.map((f) => f.a));
const mb = median(levelled.map((f) => f.b));
const frontal = levelled.filter((f) => Math.abs(f.a - ma) < SLOPE && Math.abs(f.b - mb) < SLOPE);
console.error(`median slopes a=${ma.toFixed(3)} b=${mb.toFixed(3)}; ${frontal.length} frontal faces kept (±${SLOPE})`);

// 4. Generalised Procrustes on x, y.
let mean = frontal[0].p;
for (let round = 0; round < 5; round++) {
  const acc = mean.map(() => [0, 0, 0]);
  for (const f of frontal) {
    const q = applySim(similarity(f.p, mean), f.p);
    q.forEach((v, i) => {
      for (let k = 0; k < 3; k++) acc[i][k] += v[k] / frontal.length;
    });
  }
  mean = normalise(acc);
}
const spread = Math.sqrt(
  frontal.reduce((s, f) => {
    const q = applySim(similarity(f.p, mean), f.p);
    return s + q.reduce((t, v, i) => t + (v[0] - mean[i][0]) ** 2 + (v[1] - mean[i][1]) ** 2, 0) / q.length;
  }, 0) / frontal.length,
);
console.error(`Procrustes RMS spread of faces around the mean: ${spread.toFixed(4)} (radius units)`);

// 5. Symmetrise the mesh.
/**
 * Mirror partner of every mesh vertex: the reflection of the mean (about the centroid's vertical, then
 * similarity-aligned onto the mean through the mutual nearest neighbours) is matched to the mean by a greedy
 * symmetric assignment (cheapest pairs {i, j} first, cost |refl(i) − j| + |refl(j) − i|), so the map is an involution.
 */
function mirrorMap(pts) {
  const d2 = (p, q) => (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 + (p[2] - q[2]) ** 2;
  const nearest = (refl, k) =>
    refl.map((r) =>
      pts
        .map((q, j) => [d2(r, q), j])
        .sort((a, b) => a[0] - b[0])
        .slice(0, k)
        .map(([, j]) => j),
    );
  const cx = centroid(pts)[0];
  let refl = pts.map(([x, y, z]) => [2 * cx - x, y, z]);
  const nn = nearest(refl, 1).map(([j]) => j);
  const mutual = nn.map((j, i) => nn[j] === i);
  const src = refl.filter((_, i) => mutual[i]);
  const dst = nn.filter((_, i) => mutual[i]).map((j) => pts[j]);
  refl = applySim(similarity(src, dst), refl);
  const candidates = [];
  nearest(refl, 6).forEach((js, i) => {
    for (const j of js) if (j >= i) candidates.push([d2(refl[i], pts[j]) + d2(refl[j], pts[i]), i, j]);
  });
  candidates.sort((a, b) => a[0] - b[0]);
  const map = new Array(pts.length).fill(-1);
  for (const [, i, j] of candidates) {
    if (map[i] >= 0 || map[j] >= 0) continue;
    map[i] = j;
    map[j] = i;
  }
  if (map.some((j) => j < 0)) throw new Error('mirror matching left vertices unpaired');
  return map;
}
function symmetrise(pts, mirror) {
  const reflected = mirror.map((j) => [-pts[j][0], pts[j][1], pts[j][2]]);
  const aligned = applySim(similarity(reflected, pts), reflected);
  const sym = pts.map((p, i) => [(p[0] + aligned[i][0]) / 2, (p[1] + aligned[i][1]) / 2, (p[2] + aligned[i][2]) / 2]);
  // Axis: through the midpoints of the mirror pairs; make it vertical at x = 0.
  const mids = sym.map((p, i) => [(p[0] + sym[mirror[i]][0]) / 2, (p[1] + sym[mirror[i]][1]) / 2]);
  const c = centroid(mids.map(([x, y]) => [x, y, 0]));
  let sxx = 0,
    sxy = 0,
    syy = 0;
  for (const [x, y] of mids) {
    sxx += (x - c[0]) ** 2;
    sxy += (x - c[0]) * (y - c[1]);
    syy += (y - c[1]) ** 2;
  }
  const axis = 0.5 * Math.atan2(2 * sxy, sxx - syy); // principal direction of the midpoints
  const out = rotate2d(
    sym.map(([x, y, z]) => [x - c[0], y - c[1], z]),
    Math.PI / 2 - axis,
  );
  // Exact symmetry after the rotation: average with the reflection once more.
  return out.map((p, i) => [
    (p[0] - out[mirror[i]][0]) / 2,
    (p[1] + out[mirror[i]][1]) / 2,
    (p[2] + out[mirror[i]][2]) / 2,
  ]);
}
const meshMirror = mirrorMap(mean);
const involution = meshMirror.every((j, i) => meshMirror[j] === i);
const selfMapped = meshMirror.filter((j, i) => j === i).length;
console.error(`mesh mirror map: involution=${involution}, ${selfMapped} midline vertices`);
if (!involution) throw new Error('mirror map of the mean mesh is not an involution; cannot symmetrise');
let sym = symmetrise(mean, meshMirror);
// Rotation by ±π/2 can leave the face upside down; keep the chin (152) below the forehead (10).
if (sym[152][1] < sym[10][1]) sym = sym.map(([x, y, z]) => [-x, -y, z]);

// 6. 68 points (symmetrised with the iBUG pairs) and five points.
let p68 = MESH_TO_68.map((i) => sym[i]);
const asym68 = Math.max(...p68.map((p, i) => Math.hypot(p[0] + p68[IBUG_MIRROR[i]][0], p[1] - p68[IBUG_MIRROR[i]][1])));
console.error(`largest left-right asymmetry of MESH_TO_68 on the symmetric mesh: ${asym68.toFixed(4)}`);
p68 = p68.map((p, i) => {
  const q = p68[IBUG_MIRROR[i]];
  return [(p[0] - q[0]) / 2, (p[1] + q[1]) / 2, (p[2] + q[2]) / 2];
});

// 7. Units from the 68 points.
const c68 = centroid(p68);
const s68 = 1 / rms2d(p68);
const unit = (pts) => pts.map((p) => [(p[0] - c68[0]) * s68, (p[1] - c68[1]) * s68, (p[2] - c68[2]) * s68]);
const mesh468 = unit(sym);
const model68 = unit(p68);
const five = detect.fiveFromMesh(mesh468).map(([x, y]) => [x, y]);
// Nose tip in front (negative z) is a sanity check of the z convention.
if (!(model68[30][2] < model68[0][2])) throw new Error('z convention: the nose tip should be nearer than the temples');

const ints = (pts, dims) => pts.flatMap((p) => p.slice(0, dims).map((v) => Math.round(v * 1000)));
const wrap = (xs, per) => {
  const lines = [];
  for (let i = 0; i < xs.length; i += per) lines.push(`  ${xs.slice(i, i + per).join(', ')},`);
  return lines.join('\n');
};
const names = frontal.map((f) => f.name);
const ts = `// Generated by packages/align/scripts/build-generic-face.mjs — do not edit; rerun the script instead.
/**
 * The generic 3D face of the '3d' and 'mesh' aligners: the mean FaceMesh (MediaPipe, 468 points) over ${frontal.length}
 * near-frontal LFW faces, and the same mean at the iBUG 68 points.
 *
 * Provenance: LFW deep-funneled, View 1 \`peopleDevTrain.txt\` (every ${collected.step}th person, image 0001; ${collected.tried}
 * images, ${collected.faces.length} with a FaceMesh presence ≥ ${MIN_PRESENCE}, ${frontal.length} within ±${SLOPE} of the median
 * yaw/pitch plane slopes; first ${names[0]}, last ${names[names.length - 1]}), detected with facekit's blazeface →
 * facemesh. Generalised Procrustes on x, y (z scaled alike), then made exactly left-right symmetric. The 68 points
 * take the mesh vertices of @facekit/detect's MESH_TO_68 (symmetrised with the iBUG mirror pairs); the five points are
 * detect's fiveFromMesh of the mean mesh. No View 1 DevTest or View 2 image is used.
 *
 * Units: the centroid of the 68 points is the origin and their RMS (x, y) radius is 1; x points image-right, y down,
 * z away from the camera (the nose tip has the smallest z). Values are stored as integers × 1000 (see
 * {@link GENERIC_FACE_SCALE}).
 */
export const GENERIC_FACE_SCALE = 0.001;

/**
 * Images the mean was taken over (for the docs).
 *
 * @example
 * console.log(\`generic face: mean of \${GENERIC_FACE_IMAGES} LFW faces\`);
 */
export const GENERIC_FACE_IMAGES = ${frontal.length};

/** The 68 iBUG points, [x, y, z] × 68, flattened. */
// biome-ignore format: a table
export const GENERIC_FACE_68_INT: readonly number[] = [
${wrap(ints(model68, 3), 24)}
];

/** The five alignment points (eye centres, nose tip, mouth corners, image-left first), [x, y] × 5, flattened. */
// biome-ignore format: a table
export const GENERIC_FACE_FIVE_INT: readonly number[] = [${ints(five, 2).join(', ')}];

/** The mean FaceMesh, [x, y, z] × 468 in FaceMesh's vertex order, flattened. */
// biome-ignore format: a table
export const MEAN_FACE_MESH_INT: readonly number[] = [
${wrap(ints(mesh468, 3), 24)}
];

/** FaceMesh vertex of each of the 68 points (a copy of @facekit/detect's MESH_TO_68 at build time). */
// biome-ignore format: a table
export const GENERIC_FACE_MESH_TO_68: readonly number[] = [${MESH_TO_68.join(', ')}];
`;
writeFileSync(OUT, ts);
console.error(`wrote ${OUT} (${ts.length} bytes)`);
