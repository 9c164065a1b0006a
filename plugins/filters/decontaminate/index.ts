import { definePlugin } from '../../../core/index.js';
import { decontaminateCommand } from './command.js';
import { createDecontaminator, describeFinding } from './decontaminator.js';
import { decontaminateOptions } from './options.js';
import { filterTally } from '../text.js';

/**
 * `filter:decontaminate`: drops samples whose instruction or response contains a benchmark's prompt,
 * docstring or solution (see options.ts for the two methods and where their defaults come from).
 * Benchmarks are local files the options name (`benchmarks: [{ format: humaneval, path }]`);
 * `instructsmith decontaminate --fetch humaneval` downloads a public one into the user cache, which
 * the presets name as optional (`cache:humaneval.jsonl.gz`, `required: false`).
 *
 * Drop categories `benchmark_substring`, `benchmark_ngram`; the reason names the benchmark, the item
 * and the matched span; `record.meta['filter:decontaminate']` holds `{ where, method, benchmark, item, field, span, overlap }`.
 * Stateless, so replayed records need no work.
 */
export default definePlugin({
  name: 'filter:decontaminate',
  description: 'Drops samples containing benchmark prompts or solutions (substring and n-gram overlap)',
  options: decontaminateOptions,
  commands: [decontaminateCommand],
  apply(ctx, options) {
    const d = createDecontaminator(options);
    for (const m of d.missing) ctx.log.info(`benchmark ${m} not found (optional): nothing is checked against it; fetch it with instructsmith decontaminate --fetch`);
    // One warning, not one per file: a run that checks against nothing should say so once, loudly.
    if (d.loaded.length === 0) ctx.log.warn(`no benchmark file loaded (${d.missing.length ? `not found: ${d.missing.join(', ')}` : 'none named'}): samples are not checked for contamination; fetch one with instructsmith decontaminate --fetch humaneval, or name one under benchmarks`);
    else ctx.log.info(`checking against ${d.loaded.map((b) => `${b.name} (${b.items} items)`).join(', ')}`);
    const against = d.loaded.map((b) => `${b.name} (${b.items} items)`).join(', ') || 'no benchmark';
    ctx.hooks.runEnd.tapPromise(async (summary) => ctx.log.info(`${filterTally(ctx.name, summary.funnel)}; checked against ${against}`));
    ctx.hooks.filter.tapPromise(async (record, fctx) => {
      if (fctx.replay) return undefined;
      const f = d.check(record);
      if (f) {
        record.meta[ctx.name] = f;
        ctx.drop(record, describeFinding(f), `benchmark_${f.method}`);
      }
      return undefined;
    });
  },
});
