import { z } from '../../../core/index.js';

/**
 * Options of `selector:retrieve`.
 * - `benchmark`: the evaluation set, read with the benchmark readers of `filter:decontaminate`
 *   (plugins/filters/decontaminate/benchmarks.ts). `format` humaneval (default), mbpp or jsonl;
 *   `path` as there (`~/`, `cache:NAME` = the user's benchmark cache, else from the current folder;
 *   default `cache:humaneval.jsonl.gz`, where `instructsmith decontaminate --fetch humaneval` puts
 *   it); `field`: the field holding an item's text (required for jsonl; overrides the format's
 *   prompt field otherwise); `id`: its id field (jsonl; default `id`).
 * - exactly one of `minScore` (keep a row whose best BM25 score reaches it) and `topK` (keep the
 *   `topK` best-scoring rows of the pool).
 */
export const retrieveOptions = z
  .object({
    benchmark: z
      .object({
        format: z.enum(['humaneval', 'mbpp', 'jsonl']).default('humaneval'),
        path: z.string().min(1).default('cache:humaneval.jsonl.gz'),
        field: z.string().min(1).optional(),
        id: z.string().min(1).optional(),
      })
      .strict()
      .refine((b) => b.format !== 'jsonl' || b.field, { message: 'format "jsonl" needs field: the field holding each item\'s text', path: ['field'] })
      .default({ format: 'humaneval', path: 'cache:humaneval.jsonl.gz' }),
    minScore: z.number().positive().optional(),
    topK: z.number().int().positive().optional(),
  })
  .strict()
  .refine((o) => (o.minScore === undefined) !== (o.topK === undefined), {
    message: 'set exactly one of minScore (keep rows scoring at least this) and topK (keep the K best rows)',
    path: ['minScore'],
  });

export type RetrieveOptions = z.output<typeof retrieveOptions>;
