import { z } from '../../../core/index.js';
import { benchmarkSpec } from '../../filters/decontaminate/benchmarks.js';

/**
 * Options of `selector:retrieve`.
 * - `benchmarks`: the evaluation set, in `filter:decontaminate`'s and `selector:match`'s shape (one
 *   vocabulary for the three): `{ format, path, fields?, required?, name? }` per file, read with the
 *   benchmark readers of plugins/filters/decontaminate/benchmarks.ts (`path`: `~/`, `cache:NAME` =
 *   the user's benchmark cache, else from the current folder). An item's text is its prompt fields
 *   (`fields.prompts` overrides the format's). Default: HumanEval at `cache:humaneval.jsonl.gz`,
 *   where `instructsmith decontaminate --fetch humaneval` puts it.
 * - exactly one of `minScore` (keep a row whose best BM25 score reaches it) and `topK` (keep the
 *   `topK` best-scoring rows of the pool).
 */
export const retrieveOptions = z
  .object({
    benchmarks: z.array(benchmarkSpec).min(1).default([{ format: 'humaneval', path: 'cache:humaneval.jsonl.gz', required: true }]),
    minScore: z.number().positive().optional(),
    topK: z.number().int().positive().optional(),
  })
  .strict()
  .refine((o) => (o.minScore === undefined) !== (o.topK === undefined), {
    message: 'set exactly one of minScore (keep rows scoring at least this) and topK (keep the K best rows)',
    path: ['minScore'],
  });

export type RetrieveOptions = z.output<typeof retrieveOptions>;
