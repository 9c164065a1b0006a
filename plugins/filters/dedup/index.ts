import { definePlugin } from '../../../core/index.js';
import { dedupCommand } from './command.js';
import { Deduplicator, describeMatch } from './deduplicator.js';
import { dedupOptions } from './options.js';
import { filterTally } from '../text.js';

/**
 * `filter:dedup`: drops exact duplicates (hash of the normalised text) and near-duplicates (MinHash +
 * LSH over word shingles) of samples kept earlier in the run, across every pass (backfeeding and
 * other derived passes share one index). The first of a group in seed order is kept; on a resumed
 * run the `filter` hook replays the kept samples first (`replay: true`), rebuilding the same index.
 *
 * Place it last among the filters (the presets do): it adds every sample it passes to its index, so a
 * filter after it that drops the sample would leave it counted as kept here but not on a rerun.
 *
 * Drop categories: `exact_duplicate`, `near_duplicate`; the reason names the kept sample's record id
 * and the similarity, `record.meta['filter:dedup']` holds `{ kind, scope, of, similarity }`.
 */
export default definePlugin({
  name: 'filter:dedup',
  description: 'Drops exact and near-duplicate samples (MinHash + LSH) of samples kept earlier in the run',
  options: dedupOptions,
  commands: [dedupCommand],
  apply(ctx, options) {
    const index = new Deduplicator(options, `${ctx.run.dir}/filter-dedup`);
    ctx.hooks.runEnd.tapPromise(async (summary) => {
      index.close();
      ctx.log.info(filterTally(ctx.name, summary.funnel));
    });
    ctx.hooks.filter.tapPromise(async (record, fctx) => {
      const prepared = index.prepare(record);
      if (!fctx.replay) {
        const match = index.find(prepared);
        if (match) {
          record.meta[ctx.name] = match;
          ctx.drop(record, describeMatch(match, options.threshold), `${match.kind}_duplicate`);
          return undefined;
        }
      }
      index.add(prepared);
      return undefined;
    });
  },
});
