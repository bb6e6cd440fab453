// The seeded vectors of the gallery benchmarks (`benchGallery`, `benchPgGallery`): random unit vectors to enrol and
// query, and near-duplicate probes of enrolled ones.
import { gaussian } from '@facekit/core';

/** Per-coordinate noise of the 'near' queries: |noise| ≈ 0.06·√128 ≈ 0.68, cosine ≈ 0.83 to the source. */
const NEAR_NOISE = 0.06;

/**
 * A random unit vector (Gaussian coordinates, normalised: uniform on the sphere) from a seeded source.
 *
 * @example
 * const v = randomUnit(seededRandom(1), 128);
 */
export function randomUnit(rand: () => number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  let s = 0;
  for (let i = 0; i < dim; i++) {
    v[i] = gaussian(rand);
    s += v[i] * v[i];
  }
  const n = Math.sqrt(s);
  for (let i = 0; i < dim; i++) v[i] /= n;
  return v;
}

/**
 * A probe of an enrolled person: the enrolled vector plus Gaussian noise (cosine ≈ 0.83 to it at 128-D), like a new
 * photo; not normalised.
 *
 * @example
 * const probe = nearProbe(enrolled.vector, seededRandom(2));
 */
export function nearProbe(base: Float32Array, rand: () => number): Float32Array {
  const v = new Float32Array(base.length);
  for (let j = 0; j < base.length; j++) v[j] = base[j] + NEAR_NOISE * gaussian(rand);
  return v;
}
