import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { type DerivedSeedQuery, definePlugin, type PluginContext, type PluginLlmClient, type SampleRecord, type Seed, z } from '../../../core/index.js';
import { buildGraphFromRecords, type ExtractionReport } from './build.js';
import { FirstPassGraph } from './early.js';
import { graphCommand } from './command.js';
import { assignCommunities } from './communities.js';
import { graphLanguages, type KnowledgeGraph } from './graph.js';
import { compileAliases } from './normalize.js';
import { GRAPH_FILES, loadGraph, saveGraph } from './persist.js';
import { renderGraphSvg } from './picture.js';
import { reconstructProblem } from './reconstruct.js';
import { CombinationSampler, planQuotas } from './sampler.js';
import { backfeedingMeta, combinationSeed } from './seeds.js';
import { graphStats } from './stats.js';
import { KEYWORD_KINDS } from './types.js';

const NAME = 'strategy:backfeeding';
/** Completion budget of one keyword extraction; our choice (a reply is a few dozen short strings). */
const EXTRACTION_MAX_TOKENS = 512;
/**
 * graph.svg is drawn once this many derived seeds have been handed to the runner (or the pass ends):
 * by then the pass's first calls are out, so the layout's main-thread time does not hold them back.
 * Our choice: the default `llm.concurrency`.
 */
const PICTURE_AFTER_SEEDS = 64;
/** Progress line every this many problems during extraction (long runs show they are alive). */
const EXTRACTION_LOG_EVERY = 1000;

export const backfeedingOptions = z
  .object({
    /** `provider:model` for extraction and reconstruction; default: the run's model. */
    model: z.string().optional(),
    /** Derived problems per source problem: round(ratio × source problems) combinations are sampled. Our choice of default. */
    ratio: z.number().min(0).max(100).default(0.5),
    /**
     * Which problems feed the graph: `kept` (passed judge, response and verification: the paper feeds
     * back its quality-checked problems) or `judged` (passed the judge, whatever happened to the response).
     */
    from: z.enum(['kept', 'judged']).default('kept'),
    /** Keywords per combination, inclusive. Our choice: 3-5 gives a problem room for structure without overload. */
    keywordsPerProblem: z
      .object({ min: z.number().int().min(2).default(3), max: z.number().int().min(2).default(5) })
      .strict()
      .refine((k) => k.max >= k.min, { message: 'keywordsPerProblem.max must be ≥ keywordsPerProblem.min' })
      .default({ min: 3, max: 5 }),
    /** Kinds every combination must contain when its neighbourhood has them. */
    requireKinds: z.array(z.enum(KEYWORD_KINDS)).default(['task', 'knowledge']),
    /** Chance per growth step to leave the start keyword's Louvain community. Our choice. */
    crossCommunity: z.number().min(0).max(1).default(0.15),
    /** Louvain resolution (1 = standard modularity). */
    resolution: z.number().positive().default(1),
    /** Keywords kept per kind and problem, in the model's order. Our choice. */
    maxKeywordsPerKind: z.number().int().min(1).max(32).default(8),
    /** Extra aliases, canonical → variants, merged over the built-in table. */
    aliases: z.record(z.string(), z.array(z.string())).default({}),
    /**
     * Extract each first-pass record's keywords as soon as it is kept, at background priority (the
     * calls take the slots the pass leaves idle, above all at its end), building the graph during the
     * pass; `false`: all of them after the pass. The same calls and the same graph either way.
     */
    earlyExtraction: z.boolean().default(true),
    /** Reuse a saved graph (a run directory, its graph/ folder or a graph.json) instead of building one. */
    graph: z.string().optional(),
    /** Extra graph formats written beside graph.json and stats.json. */
    formats: z.array(z.enum(['gexf'])).default(['gexf']),
    /** Also draw graph/graph.svg when the graph is saved. */
    picture: z.boolean().default(true),
    /**
     * Extraction calls started ahead (a sliding window); what is actually in flight is the LLM
     * limiter's (`llm.concurrency`), so this only needs to be large enough to keep it busy. Our choice.
     */
    concurrency: z.number().int().min(1).max(1024).default(64),
    /** Seed of the sampler and of Louvain; change it to draw other combinations from the same graph. */
    seed: z.number().int().default(0),
    /** Reconstruction temperature; our choice (the paper does not give one). */
    temperature: z.number().min(0).max(2).default(0.7),
    maxTokens: z.number().int().positive().default(1024),
  })
  .strict();

export type BackfeedingOptions = z.output<typeof backfeedingOptions>;

/**
 * `strategy:backfeeding`: Infinite-Instruct's backfeeding construction (arXiv 2505.23177), problem →
 * keywords → knowledge graph → new problem.
 *
 * After the first pass (`hooks.derivedSeeds`, phase 1 only): stream the source problems (`from`),
 * extract task / instruction / knowledge-point keywords from each (one cached structured call),
 * normalise them, build the graph (or load `graph`), detect Louvain communities, save
 * `graph/graph.json`, `graph.gexf`, `stats.json` and `graph.svg` in the run directory, then yield one
 * derived seed per sampled combination: round(ratio × source problems), split over languages in
 * proportion to their problems. On `hooks.synthesize` it writes a new problem from each of its seeds.
 * With `earlyExtraction` (the default) the keywords of each record kept in the first pass are
 * extracted as it is kept (`hooks.kept`, background priority: `early.ts`), so at the pass's end the
 * graph is built or nearly; the records, calls and graph are the same.
 */
export default definePlugin({
  name: NAME,
  description: 'Infinite-Instruct backfeeding construction: keyword knowledge graph of the kept problems → new problems',
  options: backfeedingOptions,
  commands: [graphCommand],
  apply(ctx, options) {
    const aliases = compileAliases(options.aliases);
    const llm = () => ctx.llm(options.model);
    const extraction = { plugin: NAME, aliases, maxPerKind: options.maxKeywordsPerKind, maxTokens: EXTRACTION_MAX_TOKENS };
    const logProgress = (done: number) => {
      if (done % EXTRACTION_LOG_EVERY === 0) ctx.log.info(`keywords extracted from ${done} problems`);
    };
    let early = options.earlyExtraction && !options.graph && !ctx.run.dryRun ? new FirstPassGraph(ctx, llm, { ...extraction, onRecord: logProgress }) : undefined;
    if (early) ctx.hooks.kept.tap((record) => early?.push(record));

    ctx.hooks.derivedSeeds.tapPromise(async (query) => {
      if (query.phase !== 1) return undefined;
      const first = early;
      early = undefined;
      return derivedSeeds(ctx, options, query, llm, extraction, first);
    });

    ctx.hooks.synthesize.tapPromise(async (records, seed) => {
      const meta = backfeedingMeta(seed);
      if (!meta) return records;
      const record = await reconstructProblem(ctx, llm(), seed, meta, { plugin: NAME, temperature: options.temperature, maxTokens: options.maxTokens });
      return [...records, record];
    });
  },
});

async function derivedSeeds(
  ctx: PluginContext,
  options: BackfeedingOptions,
  query: DerivedSeedQuery,
  llm: () => PluginLlmClient,
  extractOptions: { plugin: string; aliases: ReturnType<typeof compileAliases>; maxPerKind: number; maxTokens: number },
  early: FirstPassGraph | undefined,
): Promise<AsyncIterable<Seed> | undefined> {
  const dir = join(query.runDir, 'graph');
  let graph: KnowledgeGraph;
  let sources: number;
  let extraction: ExtractionReport | undefined;
  if (options.graph) {
    graph = loadGraph(options.graph);
    sources = options.from === 'kept' ? query.counts.kept : await count(judgedRecords(query));
    ctx.log.info(`reusing the knowledge graph at ${options.graph} (${graph.order} keywords, ${graph.size} edges)`);
  } else {
    const opts = {
      ...extractOptions,
      concurrency: options.concurrency,
      onRecord: (done: number) => {
        if (done % EXTRACTION_LOG_EVERY < options.concurrency) ctx.log.info(`keywords extracted from ${done} problems`);
      },
    };
    // The graph built during the pass holds the kept records when it saw all of them (not after a
    // resume inside the pass: then the run directory is read again, the cache answering).
    const builder = await early?.finish();
    const fromEarly = builder !== undefined && early!.covers(query.counts.kept);
    if (fromEarly) ctx.log.info(`keywords of ${builder.report.records} kept problems extracted during the first pass`);
    const records = fromEarly ? (options.from === 'kept' ? none() : passedJudges(query)) : options.from === 'kept' ? query.kept() : judgedRecords(query);
    const built = await buildGraphFromRecords(records, ctx, llm(), opts, fromEarly ? builder : undefined);
    graph = built.graph;
    extraction = built.report;
    sources = extraction.records;
    for (const f of extraction.failed) ctx.log.warn(`record ${f.id} adds no keywords: ${f.reason}`);
  }
  const communities = assignCommunities(graph, options.seed, options.resolution);
  const stats = graphStats(graph);
  saveGraph(graph, dir, stats, options.formats);
  if (extraction) writeFileSync(join(dir, 'extraction.json'), `${JSON.stringify(extraction, null, 2)}\n`);
  let pictureDrawn = !options.picture;
  const drawPicture = () => {
    if (pictureDrawn) return;
    pictureDrawn = true;
    writeFileSync(join(dir, GRAPH_FILES.picture), renderGraphSvg(graph, { seed: options.seed }));
  };
  ctx.log.info(
    `knowledge graph of ${stats.problems} problems: ${stats.nodes} keywords (${KEYWORD_KINDS.map((k) => `${stats.nodesPerKind[k]} ${k}`).join(', ')}), ${stats.edges} edges, ${communities.count} communities; saved in ${dir}`,
  );

  const total = Math.round(options.ratio * sources);
  const quotas = planQuotas(total, graphLanguages(graph).map((l) => [l, graph.getAttribute('languages')[l] ?? 0] as const));
  if (total === 0 || graph.size === 0) {
    drawPicture();
    ctx.log.warn(`no derived problems: ${total === 0 ? `ratio ${options.ratio} × ${sources} source problems rounds to 0` : 'the knowledge graph has no edges'}`);
    return undefined;
  }
  // Lazy: seeds are drawn as the runner asks for them, so memory holds the graph, not the sample.
  return (async function* () {
    let index = 0;
    try {
      for (const [language, quota] of quotas) {
        if (quota === 0) continue;
        const sampler = new CombinationSampler(graph, language, {
          minKeywords: options.keywordsPerProblem.min,
          maxKeywords: options.keywordsPerProblem.max,
          requireKinds: options.requireKinds,
          crossCommunity: options.crossCommunity,
          seed: options.seed,
        });
        let drawn = 0;
        for (; drawn < quota; drawn++) {
          const c = sampler.next();
          if (!c) break;
          yield combinationSeed(c, ++index, `graph/${GRAPH_FILES.json}`);
          // The picture's layout (tens of ms) waits until the pass's first seeds have their calls out.
          if (index === PICTURE_AFTER_SEEDS) drawPicture();
        }
        if (drawn < quota) {
          ctx.log.warn(`${language}: the graph yields only ${drawn} distinct connected combinations of ${options.keywordsPerProblem.min}-${options.keywordsPerProblem.max} keywords; ${quota} were asked for (ratio ${options.ratio})`);
        }
        ctx.log.info(`${language}: ${drawn} combinations, covering ${sampler.covered} of ${sampler.coverableCount} connected keywords`);
      }
    } finally {
      drawPicture();
    }
  })();
}

/** Kept records, then rejected ones whose judges all passed (dropped later, at response or verification). */
async function* judgedRecords(query: DerivedSeedQuery): AsyncGenerator<SampleRecord> {
  yield* query.kept();
  yield* passedJudges(query);
}

/** Rejected records whose judges all passed. */
async function* passedJudges(query: DerivedSeedQuery): AsyncGenerator<SampleRecord> {
  for await (const r of query.rejected()) if (r.scores.length > 0 && r.scores.every((s) => s.passed)) yield r;
}

async function* none(): AsyncGenerator<SampleRecord> {}

async function count(records: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of records) n++;
  return n;
}
