import { type DeepFaceConfig, resolveConfig } from '../src/architecture.js';
// Naive float64 references for the tests: literal loops over every output position (the definition, not the
// implementation under test), with hand-written backprop.

/** Deterministic PRNG (mulberry32) for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(n: number, rand: () => number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rand() * 2 - 1) * scale;
  return a;
}

export interface LcCase {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  f: number;
  relu: boolean;
}

export function lcOut(p: LcCase): { oh: number; ow: number } {
  return { oh: Math.floor((p.h - p.kh) / p.sh) + 1, ow: Math.floor((p.w - p.kw) / p.sw) + 1 };
}

/**
 * Forward and backward of LocallyConnected2D for loss = Σ y·g (so dL/dy = g), Keras layout:
 * x [n,h,w,c], K [oh*ow, kh*kw*c, f], b [oh,ow,f].
 */
export function naiveLocallyConnected(
  p: LcCase,
  x: ArrayLike<number>,
  k: ArrayLike<number>,
  b: ArrayLike<number>,
  g: ArrayLike<number>,
): { y: Float64Array; dx: Float64Array; dk: Float64Array; db: Float64Array } {
  const { oh, ow } = lcOut(p);
  const F = p.kh * p.kw * p.c;
  const y = new Float64Array(p.n * oh * ow * p.f);
  const dx = new Float64Array(x.length);
  const dk = new Float64Array(k.length);
  const db = new Float64Array(b.length);
  const xi = (n: number, r: number, c: number, ch: number) => ((n * p.h + r) * p.w + c) * p.c + ch;
  for (let n = 0; n < p.n; n++) {
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        const pos = r * ow + c;
        for (let f = 0; f < p.f; f++) {
          let s = b[pos * p.f + f];
          for (let i = 0; i < p.kh; i++)
            for (let j = 0; j < p.kw; j++)
              for (let ch = 0; ch < p.c; ch++) {
                const fi = (i * p.kw + j) * p.c + ch;
                s += x[xi(n, r * p.sh + i, c * p.sw + j, ch)] * k[(pos * F + fi) * p.f + f];
              }
          const yi = ((n * oh + r) * ow + c) * p.f + f;
          y[yi] = p.relu ? Math.max(0, s) : s;
          const gp = p.relu && s <= 0 ? 0 : g[yi];
          db[pos * p.f + f] += gp;
          for (let i = 0; i < p.kh; i++)
            for (let j = 0; j < p.kw; j++)
              for (let ch = 0; ch < p.c; ch++) {
                const fi = (i * p.kw + j) * p.c + ch;
                const xIdx = xi(n, r * p.sh + i, c * p.sw + j, ch);
                dk[(pos * F + fi) * p.f + f] += x[xIdx] * gp;
                dx[xIdx] += k[(pos * F + fi) * p.f + f] * gp;
              }
        }
      }
    }
  }
  return { y, dx, dk, db };
}

/** max|a − ref| / max|ref|. */
export function relError(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (a.length !== ref.length) throw new Error(`length ${a.length} vs ${ref.length}`);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - ref[i]));
    m = Math.max(m, Math.abs(ref[i]));
  }
  return m === 0 ? d : d / m;
}

/** Smallest per-row cosine similarity of two [rows, dim] arrays. */
export function minCosine(a: ArrayLike<number>, b: ArrayLike<number>, rows: number): number {
  const dim = a.length / rows;
  let min = 1;
  for (let r = 0; r < rows; r++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = r * dim; i < (r + 1) * dim; i++) {
      ab += a[i] * b[i];
      aa += a[i] * a[i];
      bb += b[i] * b[i];
    }
    min = Math.min(min, ab / Math.sqrt(aa * bb));
  }
  return min;
}

/**
 * A width-reduced DeepFace (same layers, kernels and strides, 80×80 input) that runs in milliseconds.
 *
 * @example
 * const net = DeepFaceModel.random(smallDeepFace({ f7: 24, classes: 0 }), 5);
 */
export function smallDeepFace(head: { f7: number; classes: number }): DeepFaceConfig {
  return resolveConfig({
    inputSize: [80, 80],
    c1: { filters: 4, kernel: 11 },
    c3: { filters: 4, kernel: 9 },
    l4: { filters: 4, kernel: 9 },
    l5: { filters: 4, kernel: 7, stride: 2 },
    l6: { filters: 4, kernel: 5 },
    ...head,
  });
}
