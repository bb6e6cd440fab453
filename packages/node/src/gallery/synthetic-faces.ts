import { FaceKitError, gaussian, seededRandom } from '@facekit/core';

/**
 * The generator of `syntheticFaces`: unit vectors x = normalise(μ·m + σ_b·Λ·z_person + σ_w(person)·z_photo) with
 * m a fixed unit direction shared by all faces, z standard normal in `dim` dimensions, Λ a diagonal that makes the
 * between-person variance decay as (t + 1)^(−β) over dimensions t (real embeddings vary between people more along
 * some directions than others: this widens the different-person distance distribution as measured), and each
 * photo's spread σ_w · exp(s_person · N(0, 1) + s_photo · N(0, 1)) (some people vary more than others, and some photos
 * of a person far more than the rest). Identity sizes follow a Zipf law P(size = s) ∝ s^(−α), 1 ≤ s ≤ maxSize.
 *
 * @example
 * const fit: SyntheticFaceModel = { ...LFW_DLIB_FIT, alpha: 2.2 };
 */
export interface SyntheticFaceModel {
  dim: number;
  /** Length of the shared offset μ (real face embeddings sit in a cone, not spread over the whole sphere). */
  mean: number;
  /** Between-person spread σ_b per dimension. */
  between: number;
  /** Median within-person spread σ_w per dimension. */
  within: number;
  /** Log-normal spread s of σ_w across people. */
  withinSpread: number;
  /**
   * Log-normal spread of σ_w across the photos of one person (a blurred or turned photo sits far from all the
   * others; 0: every photo of a person varies alike).
   */
  photoSpread: number;
  /** Decay β of the between-person variance over dimensions (0: isotropic). */
  decay: number;
  /** Zipf exponent α of the identity sizes. */
  alpha: number;
  /** Largest identity. */
  maxSize: number;
}

/**
 * The generator fitted to dlib-resnet34 embeddings of all 13,233 LFW images (pipeline defaults, central face):
 * μ, σ_b, σ_w, β matched to the measured same-person and different-person cosine-distance distributions (mean and
 * spread, by a coordinate search over simulated samples; docs/guide/scaling.md lists measured against generated);
 * then s_person and s_photo refitted (σ_w kept) to the same-person mean / sd together with the spread of each
 * person's mean distance over the LFW people with ≥ 5 photos (median, 90th and 99th percentile: 0.0439, 0.0550,
 * 0.0642): a spread by person alone made some people's photos far more scattered than any LFW person's (99th
 * percentile 0.088). α matches LFW's share of one-image people (4,069 of 5,749), maxSize its largest person (530).
 *
 * @example
 * const faces = syntheticFaces(10_000, LFW_DLIB_FIT);
 */
export const LFW_DLIB_FIT: SyntheticFaceModel = {
  dim: 128,
  mean: 2.913,
  between: 0.1,
  within: 0.05785,
  withinSpread: 0.03936,
  photoSpread: 0.2189,
  decay: 0.802,
  alpha: 2.4,
  maxSize: 530,
};

/**
 * Planted identities: n unit vectors (n × dim, row-major) and each one's person.
 *
 * @example
 * const { vectors, person } = syntheticFaces(1000, LFW_DLIB_FIT, 1);
 */
export interface SyntheticFaces {
  n: number;
  dim: number;
  vectors: Float32Array;
  person: Int32Array;
  people: number;
}

/** A Zipf-distributed size in [1, maxSize] by inversion of the cumulative weights. */
function zipfSampler(alpha: number, maxSize: number, rand: () => number): () => number {
  const cdf = new Float64Array(maxSize);
  let total = 0;
  for (let s = 1; s <= maxSize; s++) {
    total += s ** -alpha;
    cdf[s - 1] = total;
  }
  return () => {
    const x = rand() * total;
    let lo = 0;
    let hi = maxSize - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/**
 * Draws n faces of planted people from the model (deterministic for a seed). The identities come in random order
 * over the rows, as photos of a collection would.
 *
 * @example
 * const faces = syntheticFaces(100_000, LFW_DLIB_FIT, 7); // faces.people ≈ 43,000
 */
export function syntheticFaces(n: number, model: SyntheticFaceModel = LFW_DLIB_FIT, seed = 1): SyntheticFaces {
  if (!(Number.isInteger(n) && n >= 1)) throw new FaceKitError('E_CONFIG', `n must be an integer ≥ 1, got ${n}`);
  const { dim } = model;
  const rand = seededRandom(seed);
  const size = zipfSampler(model.alpha, model.maxSize, rand);
  const person = new Int32Array(n);
  let people = 0;
  for (let i = 0; i < n; people++) {
    const s = Math.min(size(), n - i);
    person.fill(people, i, i + s);
    i += s;
  }
  // Random order of the rows (Fisher–Yates on the person labels).
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = person[i];
    person[i] = person[j];
    person[j] = t;
  }
  const shared = new Float32Array(dim);
  for (let t = 0; t < dim; t++) shared[t] = gaussian(rand);
  const sn = Math.hypot(...shared);
  for (let t = 0; t < dim; t++) shared[t] = (shared[t] / sn) * model.mean;
  // Each person's centre and spread, drawn once from a seed of its own so that memory stays O(people + n · dim).
  const scale = Float64Array.from({ length: dim }, (_, t) => (t + 1) ** (-model.decay / 2));
  const rms = Math.sqrt(scale.reduce((a, x) => a + x * x, 0) / dim);
  const centres = new Float32Array(people * dim);
  const spread = new Float32Array(people);
  for (let p = 0; p < people; p++) {
    for (let t = 0; t < dim; t++)
      centres[p * dim + t] = shared[t] + ((model.between * scale[t]) / rms) * gaussian(rand);
    spread[p] = model.within * Math.exp(model.withinSpread * gaussian(rand));
  }
  const vectors = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const p = person[i];
    let norm = 0;
    const sigma = spread[p] * Math.exp(model.photoSpread * gaussian(rand));
    for (let t = 0; t < dim; t++) {
      const v = centres[p * dim + t] + sigma * gaussian(rand);
      vectors[i * dim + t] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let t = 0; t < dim; t++) vectors[i * dim + t] *= inv;
  }
  return { n, dim, vectors, person, people };
}
