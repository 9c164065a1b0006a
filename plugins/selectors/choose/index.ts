import { definePlugin } from '../../../core/index.js';
import { chooseOptions, chooseSeeds } from './choose.js';
import { HardnessMeter } from './ifd.js';

export { chooseOptions, chooseSeeds, type ChooseOptions } from './choose.js';

/**
 * `selector:choose`: Infinity Instruct's Phase 2 seed choice (arXiv 2506.11116): keeps the seeds
 * that need several abilities, carry long-tail abilities, or are hard to follow. Seeds must be
 * labelled by `selector:tag` first when a label criterion is used. Options (each criterion optional,
 * at least one given):
 * - `minAbilities: n`: at least n distinct level-1 tags (`label.ability_en`, key `labelKey`).
 * - `longTail: { quantile: q } | { maxCount: c }`: a tag in the bottom q of the tag frequencies over
 *   the seeds reaching the selector, or carried by at most c of them (seeds buffered on disk first,
 *   at most `maxSeeds`).
 * - `hard: { minIfd, maxIfd, minRating, ... }`: IFD = loss(response | instruction) / loss(response)
 *   from the model's prompt log-probabilities (`provider:openai` on vLLM: `/completions` with
 *   `echo`), in [minIfd, maxIfd); on an endpoint without them, the FALLBACK: an LLM difficulty rating
 *   1-10 (schema `infinity_difficulty`, template `choose-difficulty`) >= minRating, reported as
 *   `hardness: 'llm-rating (fallback: endpoint has no prompt logprobs)'` and warned in the log.
 * - `combine: any | all` (default any). Drops: category `not_chosen`, the reason listing each
 *   criterion's value against its threshold. Output keeps the input order.
 */
export default definePlugin({
  name: 'selector:choose',
  description: 'Infinity Instruct seed choice: several abilities, long-tail abilities, hard to follow (IFD; LLM rating as fallback)',
  options: chooseOptions,
  apply(ctx, options) {
    ctx.hooks.select.tapPromise(async (seeds, sctx) => {
      const hardness = options.hard
        ? new HardnessMeter(ctx.llm(options.model), ctx.templates, ctx.log, { promptTemplate: options.hard.promptTemplate, maxResponseChars: options.hard.maxResponseChars, maxTokens: options.hard.maxTokens })
        : undefined;
      return chooseSeeds(seeds, sctx, options, hardness);
    });
  },
});
