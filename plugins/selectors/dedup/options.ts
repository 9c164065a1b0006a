import { z } from '../../../core/index.js';
import { bandsDivideNumPerm, minhashOptions } from '../../filters/dedup/options.js';

const scope = z.enum(['instruction', 'pair', 'off']);

/**
 * Options of `selector:dedup`. `exact` and `near` compare a row's user turns (`instruction`) or its
 * user and assistant turns (`pair`). Both default to `instruction`: a pool row asking the same task as
 * an earlier one is redundant whatever its answer (Infinity Instruct, arXiv 2506.11116, Phase 1,
 * deduplicates its foundational pool). `threshold`, `numPerm`, `bands` and `shingle` have the
 * defaults and sources of `filter:dedup` (plugins/filters/dedup/options.ts): BigCode's 0.7 Jaccard
 * and 5-word shingles, our 120 permutations in 20 bands. For a pool of tens of millions of rows,
 * fewer bands (e.g. `numPerm: 60, bands: 10`) halve the LSH tables at some recall.
 */
export const poolDedupOptions = z
  .object({
    exact: scope.default('instruction'),
    near: scope.default('instruction'),
    ...minhashOptions,
  })
  .strict()
  .refine(...bandsDivideNumPerm);

export type PoolDedupOptions = z.output<typeof poolDedupOptions>;
