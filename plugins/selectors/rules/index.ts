import { definePlugin, type Seed, type SelectContext } from '../../../core/index.js';
import { rulesOptions } from './options.js';
import { compileRules, rowView, type CompiledRule } from './rules.js';

/**
 * The rules over a seed stream, in order: a row the first failing rule names is dropped with that
 * rule's reason and category, the others are yielded. Reports `{ read, kept, dropped: { category: n } }`
 * when the stream ends (or the consumer stops).
 */
export async function* selectByRules(seeds: AsyncIterable<Seed>, sctx: SelectContext, rules: readonly CompiledRule[]): AsyncGenerator<Seed> {
  let read = 0;
  let kept = 0;
  const dropped: Record<string, number> = {};
  try {
    for await (const seed of seeds) {
      if (sctx.signal.aborted) return;
      read += 1;
      const row = rowView(seed);
      let failed: { rule: CompiledRule; reason: string } | undefined;
      for (const rule of rules) {
        const reason = rule.check(row);
        if (reason !== undefined) {
          failed = { rule, reason };
          break;
        }
      }
      if (failed) {
        dropped[failed.rule.category] = (dropped[failed.rule.category] ?? 0) + 1;
        sctx.drop(seed, failed.reason, failed.rule.category);
      } else {
        kept += 1;
        yield seed;
      }
    }
  } finally {
    sctx.report({ read, kept, dropped, rules: rules.map((r) => r.name) });
  }
}

/**
 * `selector:rules`: heuristic rules over pool rows (Infinity Instruct, arXiv 2506.11116, Phase 1:
 * rules by source and content). Options:
 * - `builtin`: rule sets by name, checked in this order: `io` (network or file I/O in code of
 *   Python, JavaScript/TypeScript, Java, C/C++, Go, Rust, PHP, shell: `open(`, `requests.get(`,
 *   `fs.readFile(`, `fetch(`, `fopen(`, `os.Open(`, ...), `length` (bounds in characters under
 *   `length.instruction` / `length.response`), `empty-response` (no or only blank assistant turns),
 *   `non-code` (no fenced code block in any assistant turn). Default `[io, empty-response]`.
 * - `rules`: `{ name, field: instruction|response|source|any, pattern, flags?, action: drop|keep }`;
 *   `drop` drops a matching row, `keep` drops a row that does not match. A bad pattern is a
 *   ConfigError naming `rules.N.pattern`.
 * - `sources: { allow?, deny }`: globs over the row's file path and its `source` field.
 * Drop categories: `source_denied`, `source_not_allowed`, a user rule's name, `io`, `length`,
 * `empty_response`, `non_code`; the reason names the rule and what matched (`io: requests.get( in response`).
 */
export default definePlugin({
  name: 'selector:rules',
  description: 'Drops pool rows by heuristic rules: network/file I/O in code, length, empty or code-less answers, source globs, user regexes',
  options: rulesOptions,
  apply(ctx, options) {
    const rules = compileRules(options);
    ctx.hooks.select.tapPromise(async (seeds, sctx) => selectByRules(seeds, sctx, rules));
  },
});
