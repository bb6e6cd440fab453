// Child process of gallery-crash.test.ts: enrols batches forever and prints each batch's ids after its commit.
import { SqliteGallery } from '../src/gallery/sqlite-gallery.js';

/** The deterministic vector of face number i (the parent recomputes it to check what was stored). */
export function crashVector(i: number, dim: number): Float32Array {
  return Float32Array.from({ length: dim }, (_, j) => Math.sin(i * 0.37 + j * 1.3) + (j === i % dim ? 2 : 0));
}

const [path, startArg] = process.argv.slice(2);
if (path) {
  const g = await SqliteGallery.open(path, { embedder: 'crash-test', dim: 64, ann: false });
  let face = Number(startArg);
  for (let batch = 0; ; batch++) {
    const n = 1 + (batch % 40); // 1..40 faces per transaction, so the kill often lands inside one
    const label = `f${face}x${n}`; // the batch's first face and size, for the parent's checks
    const items = Array.from({ length: n }, (_, k) => ({
      label,
      embedding: { vector: crashVector(face + k, 64), embedder: 'crash-test' },
    }));
    const ids = await g.enrollMany(items);
    process.stdout.write(`${label} ${n} ${ids.join(',')}\n`);
    face += n;
  }
}
