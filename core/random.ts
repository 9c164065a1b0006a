/**
 * Seeded randomness shared by core and plugins, so that the same seed gives the same shuffle, split or
 * sample on any machine (a resumed run must replay the same choices).
 */

/** A function returning uniform floats in [0, 1). */
export type Rng = () => number;

/**
 * Mulberry32 (Tommy Ettinger, public domain): 32-bit state, period 2^32, fast and good enough for
 * reproducible shuffles and sampling; not cryptographic. `seed` is any integer; equal seeds give
 * equal sequences.
 */
export function mulberry32(seed: number): Rng {
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
 * Fisher-Yates shuffle (Knuth, TAOCP vol. 2, 3.4.2, Algorithm P) in place, for arrays and typed
 * arrays alike, with `random` in [0, 1). Returns the same array.
 */
export function shuffleInPlace<A extends { length: number; [i: number]: unknown }>(items: A, random: Rng): A {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}
