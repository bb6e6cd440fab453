// Child process of gallery-pg-concurrency.test.ts: enrols `count` faces as writer `w` into a PostgreSQL gallery
// through the wire protocol, in transactions of 1–7 faces, and prints its ids. PGlite's socket server admits one
// connection at a time here, so the writer waits for the slot: it retries until the server takes it.
import { PgGallery } from '../src/gallery/pg-gallery.js';

/** The deterministic vector of writer w's face i (the parent recomputes it to check what was stored). */
export function writerVector(w: number, i: number): Float32Array {
  return Float32Array.from({ length: 8 }, (_, j) => Math.sin(w * 7.1 + i * 0.37 + j * 1.3) + 1.5);
}

const [url, wArg, countArg] = process.argv.slice(2);
if (url) {
  const w = Number(wArg);
  const count = Number(countArg);
  const options = { table: 'shared_gallery', embedder: 'toy', dim: 8, maxConnections: 1 };
  let g: PgGallery | undefined;
  for (let attempt = 0; !g; attempt++) {
    try {
      // idleTimeoutMillis 0: the pool keeps its one connection until close, so no other writer slips in between.
      g = await PgGallery.connect({ connectionString: url, idleTimeoutMillis: 0 }, options);
    } catch (e) {
      if (attempt > 600) throw e;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  const ids: number[] = [];
  for (let i = 0; i < count; ) {
    const n = Math.min(count - i, 1 + ((w + i) % 7));
    const items = Array.from({ length: n }, (_, k) => ({
      label: `w${w}`,
      embedding: { vector: writerVector(w, i + k), embedder: 'toy' },
      source: `w${w}/${i + k}`,
    }));
    ids.push(...(await g.enrollMany(items)));
    i += n;
  }
  await g.close();
  process.stdout.write(`${ids.join(',')}\n`);
}
