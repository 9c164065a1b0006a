import { definePlugin, z } from '../../core/index.js';
import { emptyStats, tagSeeds } from './tagging/tag-seeds.js';
import { Tagger, taggerOptions } from './tagging/tagger.js';

export const tagOptions = z
  .object({
    ...taggerOptions,
    /** Tagging calls in flight at once (the endpoint's limiter still bounds the HTTP calls). Our choice: 8. */
    concurrency: z.number().int().min(1).max(256).default(8),
  })
  .strict();

/** Most frequent level-1 tags listed in the report: our choice. */
const TOP_TAGS = 20;

/**
 * `selector:tag`: Infinity Instruct's two-level tagging (arXiv 2506.11116) of every seed reaching it
 * (a pool row's first instruction and answer, or a code seed's code), setting `seed.label` to
 * `{ ability_en: [level-1 tags], cate_ability_en: [level-2 categories] }` for later selectors
 * (`selector:match`, `selector:choose`) and the exported samples.
 * Options: `model` (default the run's), `categories` (replaces the built-in 25 code categories),
 * `maxTags` (level-1 tags kept per row, default 6), `template` (default `selector-tagging`),
 * `concurrency` (calls in flight, default 8). Seeds keep their order. A seed whose reply never
 * validates is dropped (`tagging_failed`). Reports `tagged`, `failed`, the vocabulary size before and
 * after normalisation and the most frequent tags (canonical forms).
 */
export default definePlugin({
  name: 'selector:tag',
  description: 'Infinity Instruct two-level tagging: level-1 abilities (normalised) and level-2 categories from a fixed list on every seed',
  options: tagOptions,
  apply(ctx, options) {
    ctx.hooks.select.tapPromise(async (seeds, sctx) => {
      const tagger = new Tagger(ctx, options);
      const stats = emptyStats();
      return (async function* () {
        yield* tagSeeds(seeds, tagger, sctx, options.concurrency, stats);
        const v = tagger.vocabulary;
        sctx.report({
          ...stats,
          vocabulary: { surfaceForms: v.surfaceSize, tags: v.size },
          topTags: v.top(TOP_TAGS).map((e) => ({ tag: e.canonical, key: e.key, count: e.count })),
        });
        ctx.log.info(`tagged ${stats.tagged} seeds (${stats.failed} failed); level-1 vocabulary ${v.surfaceSize} surface forms -> ${v.size} tags; level-2 answers mapped ${stats.categoriesMapped}, left out ${stats.categoriesUnknown}`);
      })();
    });
  },
});
