import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError, contentId, definePlugin, z, type Seed } from '../../core/index.js';
import { EVALUATION_FORMATS, parseFields, readCodeBenchmark, type EvaluationFormat } from '../evaluators/code/index.js';
import type { Deficiency, Diagnosis } from '../evaluators/diagnosis/types.js';
import { LEVEL1, LEVEL2 } from '../selectors/tagging/tagger.js';

export const deficiencySeedOptions = z
  .object({
    /** Seed only the `top` highest-ranked deficiencies; the rest are skipped (`below_top`) and counted. Our choice: 5. */
    top: z.number().int().min(1).default(5),
    /** Failing benchmark prompts carried per seed as context for the strategy (never to copy). Our choice: 2. */
    contexts: z.number().int().min(0).max(5).default(2),
    /** Explanations carried per seed. Our choice: 3. */
    explanations: z.number().int().min(1).max(10).default(3),
  })
  .strict();

/** What a deficiency seed carries in `seed.meta.deficiency` for strategy:targeted. */
export interface DeficiencySeedMeta {
  key: string;
  ability: string;
  rank: number;
  count: number;
  /** The count of the top-ranked deficiency (for counts in proportion). */
  topCount: number;
  categories: string[];
  explanations: string[];
  evidence: string[];
  /** The first failing benchmark items' prompts: context of what the model fails at, not text to reuse. */
  contexts: { id: string; prompt: string }[];
  benchmark: string;
}

/**
 * `seed:deficiencies`: an `EVAL_DIR/diagnosis.json` (written by `instructsmith diagnose`) as seeds,
 * one per weak ability, in rank order, for targeted synthesis (strategy:targeted). It claims a file
 * named `diagnosis.json` holding a `deficiencies` list. Each seed: `kind: 'record'`, `language:
 * 'python'` (the benchmarks diagnosis reads are Python), `code` = one line naming the ability, its
 * categories and failure count, `label` = `{ ability_en: [key], cate_ability_en: categories }`,
 * `meta.deficiency` = {@link DeficiencySeedMeta} (the prompts of the first `contexts` evidence items
 * read from the diagnosed benchmark file), `source` = `{ path, line: rank }`.
 * Skip reasons: `below_top` (ranked below `top`).
 * @throws InputError naming the file for a diagnosis.json that is not valid JSON or holds no
 *   deficiency list, or whose benchmark file is gone
 */
export const deficiencySeeds = definePlugin({
  name: 'seed:deficiencies',
  description: "Reads diagnose's diagnosis.json as seeds: one per weak ability, with its evidence",
  options: deficiencySeedOptions,
  apply(ctx, options) {
    // Ahead of the general sources, which would read a diagnosis.json as code or as a dataset.
    ctx.hooks.seedSource.tapPromise({ before: ['seed:samples', 'seed:jsonl', 'seed:directory'] }, async (query) => {
      if (query.isDirectory || basename(query.path) !== 'diagnosis.json') return undefined;
      const diagnosis = readDiagnosis(query.path);
      return (async function* (): AsyncGenerator<Seed> {
        const prompts = benchmarkPrompts(query.path, diagnosis, new Set(diagnosis.deficiencies.slice(0, options.top).flatMap((d) => d.evidence.slice(0, options.contexts))));
        const topCount = diagnosis.deficiencies[0]?.count ?? 0;
        for (const d of diagnosis.deficiencies) {
          if (d.rank > options.top) {
            query.skip(`${query.path}#${d.rank}`, 'below_top');
            continue;
          }
          yield deficiencySeed(query.path, diagnosis, d, topCount, prompts, options);
        }
      })();
    });
  },
});

function deficiencySeed(path: string, diagnosis: Diagnosis, d: Deficiency, topCount: number, prompts: Map<string, string>, options: z.output<typeof deficiencySeedOptions>): Seed {
  const code = `Weak ability: ${d.ability} (${d.categories.join(', ') || 'no category'}); ${d.count} failed ${diagnosis.benchmark} item${d.count === 1 ? '' : 's'}.`;
  const meta: DeficiencySeedMeta = {
    key: d.key,
    ability: d.ability,
    rank: d.rank,
    count: d.count,
    topCount,
    categories: d.categories,
    explanations: [...new Set(d.explanations)].slice(0, options.explanations),
    evidence: d.evidence,
    contexts: d.evidence.slice(0, options.contexts).flatMap((id) => (prompts.has(id) ? [{ id, prompt: prompts.get(id)! }] : [])),
    benchmark: diagnosis.benchmark,
  };
  return { id: contentId({ language: 'python', code: `${d.key}\n${code}` }), language: 'python', code, kind: 'record', source: { path, line: d.rank }, label: { [LEVEL1]: [d.key], [LEVEL2]: d.categories }, meta: { deficiency: meta } };
}

/** Read and check a diagnosis.json. */
export function readDiagnosis(path: string): Diagnosis {
  let v: Partial<Diagnosis>;
  try {
    v = JSON.parse(readFileSync(path, 'utf8')) as Partial<Diagnosis>;
  } catch (err) {
    throw new InputError(path, undefined, `not valid JSON: ${(err as Error).message}`, { hint: 'write it again with instructsmith diagnose EVAL_DIR' });
  }
  if (!v || !Array.isArray(v.deficiencies) || typeof v.file !== 'string' || typeof v.format !== 'string') {
    throw new InputError(path, undefined, 'not a diagnosis (expected deficiencies, file and format)', { hint: 'seed:deficiencies reads the diagnosis.json instructsmith diagnose writes' });
  }
  return v as Diagnosis;
}

function benchmarkPrompts(path: string, diagnosis: Diagnosis, ids: Set<string>): Map<string, string> {
  if (ids.size === 0) return new Map();
  if (!existsSync(diagnosis.file)) throw new InputError(path, undefined, `the diagnosed benchmark file ${diagnosis.file} is gone`, { hint: 'put it back, or diagnose again' });
  const format = diagnosis.format as EvaluationFormat;
  const fields = format === 'jsonl' || diagnosis.fields ? parseFields(format, diagnosis.fields) : EVALUATION_FORMATS[format];
  return new Map(readCodeBenchmark(diagnosis.file, fields).items.filter((i) => ids.has(i.id)).map((i) => [i.id, i.prompt]));
}
