/**
 * Seeded pseudo-random numbers so that a run with the same seed samples the same keyword
 * combinations (a resumed run replays derived seeds in the same order; hooks.derivedSeeds).
 */

/** A function returning uniform floats in [0, 1). */
export type Rng = () => number;

/**
 * mulberry32 (Tommy Ettinger, public domain): 32-bit state, period 2^32, fast and good enough for
 * sampling; not cryptographic. `seed` is any integer; equal seeds give equal sequences.
 */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform integer in [0, n). `n` must be a positive integer. */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Fisher-Yates shuffle in place; returns the same array. */
export function shuffle<A extends { length: number; [i: number]: unknown }>(rng: Rng, items: A): A {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}
