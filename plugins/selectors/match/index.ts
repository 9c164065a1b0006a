import { ConfigError, definePlugin, InputError, LlmError, z, type Label, type SelectContext, type Seed } from '../../../core/index.js';
import { benchmarkSpec, readBenchmark, type BenchmarkSpec } from '../../filters/decontaminate/benchmarks.js';
import { mapOrdered } from '../tagging/ordered.js';
import { emptyStats, tagSeeds } from '../tagging/tag-seeds.js';
import { LEVEL1, LEVEL2, Tagger, taggerOptions } from '../tagging/tagger.js';
import { jsDivergence, selectByDistribution, tagDistribution, type Distribution } from './distribution.js';

export const matchOptions = z
  .object({
    ...taggerOptions,
    /** Tagging calls in flight at once (for the evaluation set and for untagged candidates). */
    concurrency: z.number().int().min(1).max(256).default(8),
    /**
     * The evaluation set whose tag distribution the selection follows, read with the benchmark
     * readers of `filter:decontaminate` (one row per item: its first prompt). Default: HumanEval in the
     * benchmark cache (`instructsmith decontaminate --fetch humaneval`).
     */
    benchmarks: z.array(benchmarkSpec).min(1).default([{ format: 'humaneval', path: 'cache:humaneval.jsonl.gz', required: true }]),
    /**
     * Which tags to match on. Default 2 (our choice): level-2 categories come from a fixed list of ~25,
     * so an evaluation set of a few hundred items (HumanEval: 164) estimates their distribution well;
     * level-1 tags are an open vocabulary, sparse at that size, and the divergence is then dominated by
     * tags seen once.
     */
    level: z.union([z.literal(1), z.literal(2)]).default(2),
    /** Rows to select; or give `ratio`. */
    size: z.number().int().min(1).optional(),
    /** Share of the buffered candidates to select, (0, 1]; default 0.5 when `size` is not given (our choice). */
    ratio: z.number().gt(0).max(1).optional(),
    /** Most candidates buffered; later seeds are dropped (`buffer_full`). Narrow the pool first (`selector:retrieve`). */
    maxCandidates: z.number().int().min(1).default(100_000),
  })
  .strict()
  .refine((o) => o.size === undefined || o.ratio === undefined, { message: 'give either size or ratio, not both', path: ['size'] });

export type MatchOptions = z.output<typeof matchOptions>;

/** One line of the per-category table: the tag's share of the evaluation set, the candidates and the selection. */
export interface CategoryShare {
  tag: string;
  eval: number;
  candidates: number;
  selected: number;
}

/**
 * `selector:match`: distribution matching (Infinity Instruct Phase 1, arXiv 2506.11116): tag the
 * evaluation set with the same tagger as `selector:tag`, buffer the candidates (tagging those that
 * have no label yet), and select `size` (or `ratio` of them) whose tag distribution at `level`
 * follows the evaluation set's, by a greedy quota fill minimising Jensen-Shannon divergence
 * (`selectByDistribution`). Output in pool order; every other candidate is dropped with category
 * `distribution`. Reports and logs the JS divergence (base 2, in [0, 1]) of the candidates and of
 * the selection against the evaluation set, and the per-tag table.
 * Options: the tagger's (`model`, `categories`, `maxTags`, `template`), `concurrency`, `benchmarks`,
 * `level` (1 or 2, default 2), `size` | `ratio` (default ratio 0.5), `maxCandidates` (default 100,000).
 */
export default definePlugin({
  name: 'selector:match',
  description: 'Infinity Instruct distribution matching: select rows whose tag distribution follows the evaluation set (greedy, Jensen-Shannon)',
  options: matchOptions,
  apply(ctx, options) {
    ctx.hooks.select.tapPromise(async (seeds, sctx) => {
      const tagger = new Tagger(ctx, options);
      return matched(seeds, sctx, tagger, options, ctx.log);
    });
  },
});

const key = (level: 1 | 2) => (level === 1 ? LEVEL1 : LEVEL2);
const tagsOf = (label: Label | undefined, level: 1 | 2): string[] => label?.[key(level)] ?? [];

async function* matched(seeds: AsyncIterable<Seed>, sctx: SelectContext, tagger: Tagger, options: MatchOptions, log: { info(m: string): void; warn(m: string): void }): AsyncGenerator<Seed> {
  const evaluation = await tagEvaluation(options.benchmarks, tagger, options.concurrency, sctx.signal);
  const target = tagDistribution(evaluation.labels.map((l) => tagsOf(l, options.level)));
  if (target.size === 0 && sctx.dryRun) {
    // Synthetic replies name no category of the list: nothing to match on, so every candidate goes on (the estimate is an upper bound).
    sctx.report({ dryRun: 'synthetic tags: not matched, every candidate passes (an upper bound on the calls after it)' });
    log.warn('dry run: the evaluation set got no tag from the synthetic replies; every candidate passes');
    yield* seeds;
    return;
  }
  if (target.size === 0) {
    throw new InputError(evaluation.files.join(', '), undefined, `no evaluation item got a level-${options.level} tag (${evaluation.labels.length} tagged, ${evaluation.failed} failed)`, {
      hint: 'check the tagger model and template, or match on the other level',
    });
  }

  const stats = emptyStats();
  const candidates: Seed[] = [];
  let overflow = 0;
  const labelled = tagSeeds(seeds, tagger, sctx, options.concurrency, stats, { keepLabelled: true });
  for await (const seed of labelled) {
    if (candidates.length >= options.maxCandidates) {
      if (overflow++ === 0) log.warn(`more than maxCandidates (${options.maxCandidates}) candidates; the rest are dropped (buffer_full): narrow the pool with selector:retrieve or raise maxCandidates`);
      sctx.drop(seed, `candidate buffer full (maxCandidates ${options.maxCandidates})`, 'buffer_full');
      continue;
    }
    candidates.push(seed);
  }

  const rows = candidates.map((s) => tagsOf(s.label, options.level));
  const k = options.size ?? Math.round((options.ratio ?? 0.5) * candidates.length);
  const chosen = new Set(selectByDistribution(rows, target, k));
  if (chosen.size < k) log.warn(`only ${chosen.size} of the ${k} rows asked for have a level-${options.level} tag; selected those`);
  const before = tagDistribution(rows);
  const after = tagDistribution(rows.filter((_, i) => chosen.has(i)));
  const divergence = { before: jsDivergence(target, before), after: jsDivergence(target, after) };
  const table = shareTable(target, before, after);

  for (let i = 0; i < candidates.length; i++) {
    const seed = candidates[i]!;
    if (chosen.has(i)) {
      yield seed;
      continue;
    }
    const tags = rows[i]!;
    sctx.drop(seed, tags.length === 0 ? `no level-${options.level} tag to match on` : `not chosen by distribution matching (level ${options.level}: ${tags.join(', ')})`, 'distribution');
  }

  sctx.report({
    level: options.level,
    evaluation: { items: evaluation.labels.length + evaluation.failed, tagged: evaluation.labels.length, failed: evaluation.failed },
    candidates: candidates.length,
    selected: chosen.size,
    ...(overflow ? { bufferFull: overflow } : {}),
    tagging: stats,
    divergence,
    table,
  });
  log.info(`distribution matching at level ${options.level}: ${chosen.size} of ${candidates.length} candidates; JS divergence to the evaluation set ${divergence.before.toFixed(4)} before, ${divergence.after.toFixed(4)} after`);
  log.info(formatTable(table));
}

/** Tag each evaluation item's first prompt. An item whose reply never validates is left out (counted), since the evaluation set has no drop log. */
async function tagEvaluation(specs: readonly BenchmarkSpec[], tagger: Tagger, concurrency: number, signal: AbortSignal): Promise<{ labels: Label[]; failed: number; files: string[] }> {
  const prompts: string[] = [];
  const files: string[] = [];
  for (const spec of specs) {
    const bench = readBenchmark(spec);
    if (!bench) continue;
    files.push(bench.file);
    const seen = new Set<string>();
    for (const t of bench.texts) {
      if (t.field !== 'prompt' || seen.has(t.item)) continue;
      seen.add(t.item);
      prompts.push(t.text);
    }
  }
  if (prompts.length === 0) {
    throw new ConfigError(`selector:match: the evaluation set is empty (${specs.map((s) => s.path).join(', ')})`, {
      hint: 'fetch it (instructsmith decontaminate --fetch humaneval) or set benchmarks to a file with prompts',
    });
  }
  async function* items() {
    yield* prompts;
  }
  const labels: Label[] = [];
  let failed = 0;
  const results = mapOrdered(
    items(),
    concurrency,
    async (p) => {
      try {
        return (await tagger.tag(p)).label;
      } catch (err) {
        if (err instanceof LlmError && err.kind === 'invalid_output') return undefined;
        throw err;
      }
    },
    signal,
  );
  for await (const label of results) {
    if (label) labels.push(label);
    else failed++;
  }
  return { labels, failed, files };
}

function shareTable(target: Distribution, before: Distribution, after: Distribution): CategoryShare[] {
  const tags = [...new Set([...target.keys(), ...before.keys()])];
  const round = (x: number | undefined) => Math.round((x ?? 0) * 10_000) / 10_000;
  return tags
    .map((tag) => ({ tag, eval: round(target.get(tag)), candidates: round(before.get(tag)), selected: round(after.get(tag)) }))
    .sort((a, b) => b.eval - a.eval || b.candidates - a.candidates || (a.tag < b.tag ? -1 : 1));
}

function formatTable(table: readonly CategoryShare[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
  const width = Math.max(3, ...table.map((r) => r.tag.length));
  return [`${'tag'.padEnd(width)}    eval  candid. selected`, ...table.map((r) => `${r.tag.padEnd(width)} ${pct(r.eval)} ${pct(r.candidates)} ${pct(r.selected)}`)].join('\n');
}
