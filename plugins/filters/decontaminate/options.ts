import { z } from '../../../core/index.js';
import { benchmarkSpec } from './benchmarks.js';

/**
 * Options of `filter:decontaminate`. Defaults:
 * - `substring: true`: BigCode's decontamination of StarCoder's data (bigcode-dataset,
 *   decontamination/benchmark_data.py: case-insensitive substring match of HumanEval/MBPP docstrings
 *   and solutions, APPS questions, MultiPL-E prompts), which Magicoder and SelfCodeAlign reuse.
 *   `minChars: 30` is our choice: BigCode has no minimum, but HumanEval solutions as short as
 *   `return x + y` occur in unrelated code; 30 normalised characters still covers about 88% of
 *   HumanEval's solutions and every docstring (the rest are left to the n-gram test).
 * - `ngram: true`, `n: 13`: the 13-gram overlap GPT-3 used to measure benchmark contamination
 *   (Brown et al. 2020, appendix C) and phi-1 ran against HumanEval docstrings (Gunasekar et al.
 *   2023, §5). GPT-3 flags any single shared 13-gram; `threshold: 0.5` (half of a benchmark text's
 *   distinct 13-grams) is our choice, since one shared 13-gram of code is often boilerplate
 *   (phi-1 found its 13-gram hits to be false positives).
 */
export const decontaminateOptions = z
  .object({
    benchmarks: z.array(benchmarkSpec).default([]),
    substring: z.boolean().default(true),
    minChars: z.number().int().min(8).default(30),
    ngram: z.boolean().default(true),
    n: z.number().int().min(3).max(50).default(13),
    threshold: z.number().gt(0).max(1).default(0.5),
    /** Which turns are checked. */
    check: z.array(z.enum(['instruction', 'response'])).min(1).default(['instruction', 'response']),
  })
  .strict();

export type DecontaminateOptions = z.output<typeof decontaminateOptions>;
