/**
 * A small seeded PRNG (mulberry32): uniform floats in [0, 1). Same seed, same sequence, on every platform.
 *
 * @example
 * const rand = seededRandom(42); rand(); // 0.6011037519201636
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A standard normal sample (Box–Muller) from a uniform source.
 *
 * @example
 * const rand = seededRandom(1);
 * const noise = Array.from({ length: 4 }, () => gaussian(rand));
 */
export function gaussian(rand: () => number): number {
  const u = 1 - rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/**
 * Shuffles an array in place (Fisher–Yates) with a seeded source.
 *
 * @example
 * shuffle([1, 2, 3, 4], seededRandom(7)); // the same order for the same seed
 */
export function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
