import { z } from '../../../core/index.js';

const scope = z.enum(['instruction', 'response', 'pair', 'off']);

/**
 * Options of `filter:dedup`. Defaults:
 * - `exact: pair`, `near: instruction` (issue #11): the same task asked twice is redundant even with
 *   another answer; the same answer to different tasks is legitimate, so responses alone are only
 *   compared exactly as part of the pair.
 * - `threshold: 0.7` and `shingle: 5`: the Jaccard threshold and n-gram size of BigCode's MinHash
 *   near-deduplication used for The Stack / StarCoder (bigcode-dataset, near_deduplication/
 *   minhash_deduplication.py: ngram_size 5, threshold 0.7; it uses 256 permutations).
 * - `numPerm: 128`, `bands: 16` (8 rows): our choice. Half of BigCode's 256 permutations, to hold a
 *   million signatures in 256 MB; 16×8 puts the LSH threshold (1/16)^(1/8) ≈ 0.71 at the Jaccard
 *   threshold, so pairs at 0.7 become candidates about half the time and pairs at 0.8 in 95% of cases
 *   (1-(1-0.8^8)^16); see the recall figures of `npm run bench`.
 */
export const dedupOptions = z
  .object({
    exact: scope.default('pair'),
    near: scope.default('instruction'),
    threshold: z.number().gt(0).max(1).default(0.7),
    numPerm: z.number().int().min(8).max(1024).default(128),
    bands: z.number().int().min(1).default(16),
    shingle: z.number().int().min(1).max(50).default(5),
  })
  .strict()
  .refine((o) => o.numPerm % o.bands === 0, { message: 'numPerm must be a multiple of bands (each band takes numPerm/bands rows)', path: ['bands'] });

export type DedupOptions = z.output<typeof dedupOptions>;
