/**
 * Seeded pseudo-random numbers so that a run with the same seed samples the same keyword
 * combinations (a resumed run replays derived seeds in the same order; hooks.derivedSeeds).
 * The generator and the shuffle are core's (core/random.ts); this file names them for the sampler.
 */
import { mulberry32, shuffleInPlace, type Rng } from '../../../core/index.js';

export type { Rng };

/** A seeded generator of uniform floats in [0, 1): core's mulberry32. */
export const createRng: (seed: number) => Rng = mulberry32;

/** Uniform integer in [0, n). `n` must be a positive integer. */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Fisher-Yates shuffle in place; returns the same array. */
export function shuffle<A extends { length: number; [i: number]: unknown }>(rng: Rng, items: A): A {
  return shuffleInPlace(items, rng);
}
