import { z } from '../../../core/index.js';

const scope = z.enum(['instruction', 'response', 'pair', 'off']);

/** The MinHash/LSH options shared by `filter:dedup` and `selector:dedup` (defaults documented below). */
export const minhashOptions = {
  threshold: z.number().gt(0).max(1).default(0.7),
  numPerm: z.number().int().min(8).max(1024).default(120),
  bands: z.number().int().min(1).default(20),
  shingle: z.number().int().min(1).max(50).default(5),
};

/** The check both dedup schemas refine with: each LSH band takes numPerm/bands rows. */
export const bandsDivideNumPerm: [(o: { numPerm: number; bands: number }) => boolean, { message: string; path: string[] }] = [
  (o) => o.numPerm % o.bands === 0,
  { message: 'numPerm must be a multiple of bands (each band takes numPerm/bands rows)', path: ['bands'] },
];

/**
 * Options of `filter:dedup`. Defaults:
 * - `exact: pair`, `near: instruction` (issue #11): the same task asked twice is redundant even with
 *   another answer; the same answer to different tasks is legitimate, so responses alone are only
 *   compared exactly as part of the pair.
 * - `threshold: 0.7` and `shingle: 5`: the Jaccard threshold and n-gram size of BigCode's MinHash
 *   near-deduplication used for The Stack / StarCoder (bigcode-dataset, near_deduplication/
 *   minhash_deduplication.py: ngram_size 5, threshold 0.7; it uses 256 permutations).
 * - `numPerm: 120`, `bands: 20` (6 rows): our choice. MinHash/LSH only proposes candidates here (each
 *   is then verified by its exact Jaccard similarity), so the bands are set for recall: the LSH
 *   threshold (1/20)^(1/6) ≈ 0.61 lies below the Jaccard threshold, a pair at 0.7 becomes a candidate
 *   with probability 1-(1-0.7^6)^20 ≈ 0.92 and at 0.8 with 0.9996, while 20 bands keep a million
 *   samples' buckets near 450 MB (see the figures of `npm run bench`). BigCode uses 256 permutations
 *   and accepts the MinHash estimate.
 */
export const dedupOptions = z
  .object({
    exact: scope.default('pair'),
    near: scope.default('instruction'),
    ...minhashOptions,
  })
  .strict()
  .refine(...bandsDivideNumPerm);

export type DedupOptions = z.output<typeof dedupOptions>;
