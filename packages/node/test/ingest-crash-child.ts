// Child process of ingest-crash.test.ts: enrols a folder with resumable ingest and prints a line per file done, so
// the parent can SIGKILL it at arbitrary points. The stand-in embedder derives the vector from the file's bytes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { EmbedderSpec, Representation } from '@facekit/core';
import { enrollImages, labelledImages } from '../src/gallery/images.js';
import { SqliteGallery } from '../src/gallery/sqlite-gallery.js';

/** The vector of a file's bytes (the parent recomputes it to check what was stored). */
export function bytesVector(bytes: Uint8Array): Float32Array {
  const h = createHash('sha256').update(bytes).digest();
  return Float32Array.from({ length: 16 }, (_, j) => h[j] / 255 - 0.5);
}

const [dbPath, dir] = process.argv.slice(2);
if (dbPath) {
  const g = await SqliteGallery.open(dbPath, { ann: false });
  const embedder = {
    embedder: { name: 'crash-toy', dim: 16, defaultMetric: 'cosine', thresholds: {} } as EmbedderSpec,
    async represent(path: string) {
      await new Promise((r) => setTimeout(r, 1)); // some time per file, as embedding takes
      const vector = bytesVector(readFileSync(path));
      return [{ embedding: { vector, embedder: 'crash-toy' } }] as unknown as Representation[];
    },
  };
  const r = await enrollImages(g, embedder, await labelledImages(dir), {
    batchSize: 1 + Math.floor(Math.random() * 9), // 1..9 files per transaction
    onProgress: (done) => process.stdout.write(`${done}\n`),
  });
  await g.close();
  process.stdout.write(`done ${r.enrolled.length} ${r.skipped.length}\n`);
}
