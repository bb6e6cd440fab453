import { gaussian, seededRandom } from '@facekit/core';

/** n seeded random unit vectors (uniform on the sphere), flat n × dim: galleries and indexes under test. */
export function randomUnits(n: number, dim: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) {
      out[i * dim + j] = gaussian(rand);
      s += out[i * dim + j] ** 2;
    }
    for (let j = 0; j < dim; j++) out[i * dim + j] /= Math.sqrt(s);
  }
  return out;
}
