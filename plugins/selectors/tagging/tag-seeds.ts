import { LlmError, type SelectContext, type Seed } from '../../../core/index.js';
import { mapOrdered } from './ordered.js';
import { LEVEL1, LEVEL2, type Tagger, type TagResult } from './tagger.js';

/** Counts of one tagging pass, for a selector's report. */
export interface TaggingStats {
  tagged: number;
  failed: number;
  /** Level-2 answers mapped onto the list by folding or similarity, and answers left out. */
  categoriesMapped: number;
  categoriesUnknown: number;
}

export function emptyStats(): TaggingStats {
  return { tagged: 0, failed: 0, categoriesMapped: 0, categoriesUnknown: 0 };
}

/**
 * Tag every seed of a stream (at most `concurrency` calls in flight; the LLM limiter bounds the calls
 * themselves), in input order, as new seed objects with `label` merged into any label they had.
 * A seed whose reply never validates (`LlmError` `invalid_output`) is dropped with category
 * `tagging_failed`; any other error propagates (fatal LLM errors stop the run). With `keepLabelled`,
 * seeds that already carry two-level tags (from `selector:tag`) pass untouched. Level-2 answers that
 * were mapped or left out are noted on the seed as `meta.tagging` (`{ mapped: [{ answer, category }], unknown: [answer] }`).
 */
export async function* tagSeeds(seeds: AsyncIterable<Seed>, tagger: Tagger, sctx: SelectContext, concurrency: number, stats: TaggingStats, options: { keepLabelled?: boolean } = {}): AsyncGenerator<Seed> {
  const results = mapOrdered(
    seeds,
    concurrency,
    async (seed): Promise<{ seed: Seed; result?: TagResult; error?: LlmError; kept?: true }> => {
      if (options.keepLabelled && isTagged(seed)) return { seed, kept: true };
      try {
        return { seed, result: await tagger.tagSeed(seed) };
      } catch (err) {
        if (err instanceof LlmError && err.kind === 'invalid_output') return { seed, error: err };
        throw err;
      }
    },
    sctx.signal,
  );
  for await (const { seed, result, error, kept } of results) {
    if (kept) {
      yield seed;
      continue;
    }
    if (!result) {
      stats.failed++;
      sctx.drop(seed, `tagging failed: ${error!.message}`, 'tagging_failed');
      continue;
    }
    stats.tagged++;
    yield withLabel(seed, result, stats);
  }
}

/** True when a seed carries a label from the two-level tagger. */
export function isTagged(seed: Seed): boolean {
  return Boolean(seed.label?.[LEVEL1] ?? seed.label?.[LEVEL2]);
}

function withLabel(seed: Seed, result: TagResult, stats: TaggingStats): Seed {
  const mapped = result.categories.filter((c) => c.how === 'folded' || c.how === 'closest').map((c) => ({ answer: c.answer, category: c.category! }));
  const unknown = result.categories.filter((c) => c.how === 'unknown').map((c) => c.answer);
  stats.categoriesMapped += mapped.length;
  stats.categoriesUnknown += unknown.length;
  const notes = mapped.length || unknown.length ? { tagging: { ...(mapped.length ? { mapped } : {}), ...(unknown.length ? { unknown } : {}) } } : {};
  return { ...seed, label: { ...seed.label, ...result.label }, meta: { ...seed.meta, ...notes } };
}
