import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigError, z, type Seed, type SelectContext } from '../../../core/index.js';
import { abilitiesCriterion, addTags, hardCriterion, longTailCriterion, longTailCutoff, notChosenReason, type CriterionResult } from './criteria.js';
import type { HardnessMeter } from './ifd.js';

export const chooseOptions = z
  .object({
    /** `provider:model` that measures hardness (IFD or the fallback rating); default: the run's model. */
    model: z.string().optional(),
    /** The label key holding level-1 ability tags (what `selector:tag` writes). */
    labelKey: z.string().min(1).default('ability_en'),
    /** Several abilities: chosen when the seed carries at least this many distinct level-1 tags. */
    minAbilities: z.number().int().min(1).optional(),
    /**
     * Long-tail abilities: chosen when one of the seed's level-1 tags is rare among the seeds that
     * reach this selector: in the bottom `quantile` (0-1] of tag frequencies, or carried by at most
     * `maxCount` seeds (exactly one of the two). Needs every seed before the first is chosen: they are
     * buffered on disk (`selection/selector-choose/buffer.jsonl`), at most `maxSeeds` of them.
     */
    longTail: z
      .object({
        quantile: z.number().gt(0).max(1).optional(),
        maxCount: z.number().int().min(1).optional(),
        maxSeeds: z.number().int().positive().default(2_000_000),
      })
      .strict()
      .refine((v) => (v.quantile === undefined) !== (v.maxCount === undefined), { message: 'give exactly one of quantile (e.g. 0.2) or maxCount (e.g. 5)' })
      .optional(),
    /**
     * Hard to follow: IFD (instruction-following difficulty) in [minIfd, maxIfd) with prompt
     * log-probabilities; where the endpoint has none, an LLM difficulty rating >= minRating (the
     * fallback, named in the report and the log). Defaults are our choice except maxIfd 1 (Cherry LLM:
     * IFD >= 1 means the instruction does not help, a misaligned pair).
     */
    hard: z
      .object({
        minIfd: z.number().positive().default(0.7),
        maxIfd: z.number().positive().default(1),
        minRating: z.number().int().min(1).max(10).default(7),
        /** Characters of the response scored or shown to the rater (our choice: bounds the context used). */
        maxResponseChars: z.number().int().positive().default(6_000),
        /** Template of the text before the response (the chat format of the scoring model). */
        promptTemplate: z.string().min(1).default('choose-ifd/prompt.jinja'),
        maxTokens: z.number().int().positive().default(256),
      })
      .strict()
      .optional(),
    /** `any`: a seed is chosen when one criterion holds; `all`: when every configured one does. */
    combine: z.enum(['any', 'all']).default('any'),
    /** Seeds measured at once (LLM calls in flight are bounded by the endpoint's limiter too). */
    concurrency: z.number().int().min(1).max(256).default(16),
  })
  .strict()
  .refine((o) => o.minAbilities !== undefined || o.longTail !== undefined || o.hard !== undefined, {
    message: 'selector:choose needs at least one criterion: minAbilities, longTail or hard',
  });

export type ChooseOptions = z.output<typeof chooseOptions>;

/** What the selector counts for its report. */
interface Tally {
  read: number;
  chosen: number;
  dropped: number;
  chosenBy: Record<CriterionResult['name'], number>;
  measured: number;
}

/**
 * The seed choice over a stream: each seed is yielded (in input order) when the configured
 * criteria hold (`combine`), else dropped with category `not_chosen` and a reason listing every
 * criterion's value against its threshold. Hardness is measured only when it decides the outcome
 * (with `any`, not for a seed a label criterion already chose; with `all`, not for one another
 * criterion already failed). Reports `{ read, chosen, dropped, chosenBy, combine, longTail?, hardness?, measured }`.
 * @throws ConfigError when a label criterion is configured and a seed has no label (selector:tag must come first);
 *   ConfigError when more than `longTail.maxSeeds` seeds must be buffered.
 */
export async function* chooseSeeds(seeds: AsyncIterable<Seed>, sctx: SelectContext, options: ChooseOptions, hardness?: HardnessMeter): AsyncGenerator<Seed> {
  const needsLabel = options.minAbilities !== undefined || options.longTail !== undefined;
  const tagsOf = (seed: Seed): string[] => {
    if (!needsLabel) return [];
    if (!seed.label) {
      throw new ConfigError(`selector:choose needs selector:tag before it: seed ${seed.id} (${seed.source.path}${seed.source.line ? `:${seed.source.line}` : ''}) has no label, and ${options.minAbilities !== undefined ? 'minAbilities' : 'longTail'} reads its ability tags`, {
        code: 'CONFIG_SELECTOR_ORDER',
        hint: 'list selector:tag before selector:choose under plugins (selectors run in config order), or drop minAbilities/longTail',
      });
    }
    return seed.label[options.labelKey] ?? [];
  };
  const tally: Tally = { read: 0, chosen: 0, dropped: 0, chosenBy: { abilities: 0, 'long-tail': 0, hard: 0 }, measured: 0 };
  let source: AsyncIterable<Seed> = seeds;
  let counts: Map<string, number> | undefined;
  let cutoff = 0;
  try {
    if (options.longTail) {
      const buffered = await buffer(seeds, sctx, tagsOf, options.longTail.maxSeeds);
      counts = buffered.counts;
      tally.read = buffered.read;
      cutoff = longTailCutoff(counts, options.longTail);
      source = buffered.replay();
    }
    const evaluate = async (seed: Seed): Promise<{ chosen: boolean; results: CriterionResult[] }> => {
      const tags = tagsOf(seed);
      const results: CriterionResult[] = [];
      if (options.minAbilities !== undefined) results.push(abilitiesCriterion(tags, options.minAbilities));
      if (options.longTail) results.push(longTailCriterion(tags, counts!, cutoff));
      if (options.hard && hardness) {
        const decided = options.combine === 'any' ? results.some((r) => r.met) : results.some((r) => !r.met);
        if (decided) results.push({ name: 'hard', met: false, text: `hard: not measured (${options.combine === 'any' ? 'already chosen' : 'another criterion failed'})` });
        else {
          tally.measured++;
          results.push(hardCriterion(await hardness.measure(seed), options.hard));
        }
      }
      return { chosen: options.combine === 'any' ? results.some((r) => r.met) : results.every((r) => r.met), results };
    };
    let batch: Seed[] = [];
    const flush = async function* (): AsyncGenerator<Seed> {
      const outcomes = await Promise.all(batch.map(evaluate));
      for (const [i, seed] of batch.entries()) {
        const { chosen, results } = outcomes[i]!;
        for (const r of results) if (r.met) tally.chosenBy[r.name]++;
        if (chosen) {
          tally.chosen++;
          yield seed;
        } else {
          tally.dropped++;
          sctx.drop(seed, notChosenReason(results, options.combine), 'not_chosen');
        }
      }
      batch = [];
    };
    for await (const seed of source) {
      if (sctx.signal.aborted) return;
      if (!options.longTail) tally.read++;
      batch.push(seed);
      if (batch.length >= options.concurrency) yield* flush();
    }
    if (batch.length > 0 && !sctx.signal.aborted) yield* flush();
  } finally {
    sctx.report({
      read: tally.read,
      chosen: tally.chosen,
      dropped: tally.dropped,
      combine: options.combine,
      chosenBy: tally.chosenBy,
      ...(counts ? { longTail: { tags: counts.size, cutoff, ...(options.longTail?.quantile !== undefined ? { quantile: options.longTail.quantile } : { maxCount: options.longTail!.maxCount }) } } : {}),
      ...(hardness?.method() ? { hardness: hardness.method() } : {}),
      measured: tally.measured,
    });
  }
}

/**
 * Read every seed once to count tags, writing them to `<dir>/buffer.jsonl` (memory holds only the
 * counts), and replay them from there in input order.
 */
async function buffer(seeds: AsyncIterable<Seed>, sctx: SelectContext, tagsOf: (s: Seed) => string[], maxSeeds: number) {
  const path = join(sctx.dir(), 'buffer.jsonl');
  const counts = new Map<string, number>();
  const file = await open(path, 'w');
  let n = 0;
  try {
    let chunk: string[] = [];
    for await (const seed of seeds) {
      if (sctx.signal.aborted) break;
      if (++n > maxSeeds) {
        throw new ConfigError(`selector:choose: more than ${maxSeeds} seeds reached it, the bound of longTail.maxSeeds (the long-tail criterion counts tags over all of them first)`, {
          hint: 'raise plugins.selector:choose.longTail.maxSeeds (seeds are buffered on disk), or narrow the pool with earlier selectors',
        });
      }
      addTags(counts, tagsOf(seed));
      chunk.push(`${JSON.stringify(seed)}\n`);
      if (chunk.length >= 1000) {
        await file.write(chunk.join(''));
        chunk = [];
      }
    }
    if (chunk.length) await file.write(chunk.join(''));
  } finally {
    await file.close();
  }
  async function* replay(): AsyncGenerator<Seed> {
    const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    try {
      for await (const line of lines) if (line) yield JSON.parse(line) as Seed;
    } finally {
      lines.close();
    }
  }
  return { counts, replay, read: n };
}
