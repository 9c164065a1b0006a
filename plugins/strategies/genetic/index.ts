import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentId, createRecord, definePlugin, languageFromFence, structuredOutput, z, type DerivedSeedQuery, type PluginContext, type SampleRecord, type Seed } from '../../../core/index.js';
import { formatGenerationTable, type GenerationRow } from './generations.js';
import { MUTATION_RULES, MUTATION_RULE_NAMES, colonyRng, planChildren, type ChildPlan, type MutationRule } from './operators.js';
import { colonyQuotas, PopulationIndex } from './population.js';

export const NAME = 'strategy:genetic';
/** Where the per-generation, per-colony table is written, relative to the run directory. */
export const GENERATIONS_FILE = 'genetic/generations.json';

const instructionSchema = z.object({ instruction: z.string().min(20) }).strict();
const MUTATION = structuredOutput('genetic_mutation', instructionSchema);
const CROSSOVER = structuredOutput('genetic_crossover', instructionSchema);
const solutionSchema = z.object({ solution: z.string().min(1), tests: z.string().min(1) }).strict();
const SOLUTION = structuredOutput('genetic_solution', solutionSchema);

export const geneticOptions = z
  .object({
    /** `provider:model` of the Instructor (mutation and crossover); default: the run's model. */
    instructor: z.string().optional(),
    /** `provider:model` of the Coder; default: the run's model. */
    coder: z.string().optional(),
    /** Colonies evolving independently from the seed population (paper §1, Figure 1; how many is our choice). */
    colonies: z.number().int().min(1).max(64).default(4),
    /** Stop after this many generations (the seed pass is generation 0). Our choice of default. */
    generations: z.number().int().min(0).max(10_000).default(20),
    /** Children each colony makes per generation (fewer when its share of the run's `target` is nearly met). Our choice. */
    batchSize: z.number().int().min(1).max(100_000).default(64),
    /** Parents sampled per colony and generation from its population (uniform, without replacement). Our choice. */
    poolSize: z.number().int().min(1).max(100_000).default(256),
    /** Chance that a child is made by crossover rather than mutation. Our choice. */
    crossoverProbability: z.number().min(0).max(1).default(0.5),
    /** Few-shot parents per crossover. Our choice. */
    parentsPerCrossover: z.number().int().min(2).max(10).default(3),
    /** Mutation rules to draw from (default: all six). */
    rules: z.array(z.enum(MUTATION_RULE_NAMES)).min(1).default([...MUTATION_RULE_NAMES]),
    /** Seed of the evolution's random draws; change it for another population from the same seeds. */
    seed: z.number().int().default(0),
    /**
     * The Coder also writes unit tests, run in the sandbox against its code (`ctx.execute`): the
     * result is recorded on the record (`meta['strategy:genetic'].fitness`) and a failing pair is
     * dropped (`tests_failed`), so it does not join the population. Needs an executor for the language.
     */
    tests: z.boolean().default(false),
    /**
     * Languages whose pairs get unit tests when `tests` is on and an executor runs the language; the
     * tests are appended to the solution and run as one script, so only script languages fit. Others
     * are answered without tests. Our choice.
     */
    testLanguages: z.array(z.enum(['python', 'javascript'])).min(1).default(['python']),
    /** Instructor temperature; our choice (new instructions need variety). */
    temperature: z.number().min(0).max(2).default(0.7),
    /** Coder temperature; our choice (code wants low temperature). */
    coderTemperature: z.number().min(0).max(2).default(0.2),
    maxTokens: z.number().int().positive().default(2048),
  })
  .strict();

export type GeneticOptions = z.output<typeof geneticOptions>;

/** What a derived seed of this strategy carries (`seed.meta['strategy:genetic']`). */
interface ChildSeedMeta {
  colony: number;
  generation: number;
  index: number;
  operator: ChildPlan['operator'];
  rule?: MutationRule;
  parents: { id: string; instruction: string }[];
}

/**
 * `strategy:genetic`: Genetic-Instruct (arXiv 2407.21077). An Instructor evolves a population of
 * coding instructions by mutation (Evol-Instruct rules) and crossover (Self-Instruct style few-shot
 * from several parents), a Coder answers each, and the run's judges, analyzers and filters decide
 * which pairs join the population.
 *
 * - Seed pass (generation 0): each seed's `code` is an instruction (seed:jsonl `fields.code`, or an
 *   earlier run's samples.jsonl through seed:samples); it is answered and gated like any sample; the
 *   kept ones are the seed population.
 * - Each later pass is one generation (`hooks.derivedSeeds`): per colony, parents are sampled uniformly
 *   from the kept records through an index of their positions (never all in memory; each generation
 *   reads only what the previous one wrote, see PopulationIndex), one operator per child is drawn from the colony's
 *   seeded stream for that generation, and the child seeds are yielded round-robin over colonies (so
 *   colonies run concurrently and merge in a fixed order; dedup is the `filter` hook's job, in seed order).
 * - Stops after `generations`, or when the run's `target` (`--target N`) kept samples are reached (no colony overshoots its share).
 * - Lineage: `lineage.generation`, `parentIds`, `details: {colony, operator, rule}`; the table of
 *   every generation and colony is rewritten to `genetic/generations.json` after each pass, from the run's files.
 */
export default definePlugin({
  name: NAME,
  description: 'Genetic-Instruct: an Instructor evolves instructions (mutation, crossover) in parallel colonies; a Coder answers them',
  options: geneticOptions,
  apply(ctx, options) {
    let tested = new Set<string>();
    ctx.hooks.runStart.tapPromise(async () => {
      if (!options.tests) return;
      const executable = ctx.executableLanguages();
      tested = new Set(options.testLanguages.filter((l) => executable.includes(l)));
      if (tested.size === 0) ctx.log.warn(`tests is on but no executor runs ${options.testLanguages.join(', ')}: pairs are answered without unit tests; add executor:sandbox`);
    });

    // The run's `target` (`--target N`): kept samples, seed population included; each colony makes its share. Unset: only `generations` stops.
    const target = runTarget(ctx);
    const population = new PopulationIndex(NAME, options.colonies);
    ctx.hooks.derivedSeeds.tapPromise(async (query) => nextGeneration(ctx, { ...options, target }, query, population));

    ctx.hooks.synthesize.tapPromise(async (records, seed) => {
      if (seed.kind !== 'derived') return [...records, seedRecord(seed)];
      const meta = seed.meta[NAME] as ChildSeedMeta | undefined;
      if (!meta) return records;
      return [...records, await evolve(ctx, options, seed, meta)];
    });

    ctx.hooks.respond.tapPromise(async (record) => {
      if (record.lineage.strategy !== NAME) return undefined;
      return code(ctx, options, record, tested.has(record.language));
    });

    if (options.tests) {
      ctx.hooks.judge.for('response').tapPromise(async (record, stage) => {
        // A dry run's synthetic code cannot pass real tests; its estimate assumes the gates pass.
        if (record.lineage.strategy !== NAME || stage.dryRun || !tested.has(record.language)) return undefined;
        await fitness(ctx, record);
        return undefined;
      });
    }
  },
});

function seedRecord(seed: Seed): SampleRecord {
  return createRecord({ seed, strategy: NAME, messages: [{ role: 'user', content: seed.code.trim() }], generation: 0, details: { colony: null, operator: 'seed' } });
}

async function evolve(ctx: PluginContext, options: GeneticOptions, seed: Seed, meta: ChildSeedMeta): Promise<SampleRecord> {
  const details = { colony: meta.colony, operator: meta.operator, ...(meta.rule ? { rule: meta.rule } : {}) };
  const base = { seed, strategy: NAME, parentIds: meta.parents.map((p) => p.id), generation: meta.generation, details };
  const vars = { language: seed.language, instruction: meta.parents[0]!.instruction, parents: meta.parents, rule: meta.rule ? MUTATION_RULES[meta.rule] : undefined };
  try {
    const res = await ctx.llm(options.instructor).structured(
      // The sampling seed is the child's: two children of the same parents and rule are two draws, not one cached reply.
      { messages: ctx.templates.chat(meta.operator === 'mutation' ? 'genetic-mutation' : 'genetic-crossover', vars), temperature: options.temperature, maxTokens: options.maxTokens, seed: samplingSeed(seed.id) },
      meta.operator === 'mutation' ? MUTATION : CROSSOVER,
    );
    const r = createRecord({ ...base, messages: [{ role: 'user', content: res.value.instruction.trim() }] });
    r.usage.push(...res.usage);
    return r;
  } catch (err) {
    if ((err as { fatal?: boolean })?.fatal) throw err;
    const r = createRecord({ ...base, messages: [], meta: { [NAME]: { seed: seed.id } } });
    return ctx.drop(r, `Instructor (${meta.operator}${meta.rule ? `, ${meta.rule}` : ''}): ${(err as Error).message}`, (err as { kind?: string })?.kind ?? 'error');
  }
}

/** The Coder: a plain answer, or (when the pair is tested) a structured answer with unit tests kept on the record. */
async function code(ctx: PluginContext, options: GeneticOptions, record: SampleRecord, tests: boolean) {
  const instruction = record.messages.filter((m) => m.role === 'user').at(-1)?.content;
  if (!instruction) throw new Error('record has no instruction to answer');
  const messages = ctx.templates.chat('genetic-coder', { instruction, language: record.language, tests });
  const client = ctx.llm(options.coder);
  const request = { messages, temperature: options.coderTemperature, maxTokens: options.maxTokens };
  if (tests) {
    const res = await client.structured(request, SOLUTION);
    record.usage.push(...res.usage);
    record.meta[NAME] = { ...(record.meta[NAME] as object), tests: res.value.tests };
    return [{ role: 'assistant' as const, content: res.value.solution.trim() }];
  }
  const reply = await client.complete(request);
  record.usage.push(reply.usage);
  if (!reply.content.trim()) throw new Error('the Coder returned an empty response');
  if (reply.finishReason === 'length') throw new Error(`the Coder's response was cut off at maxTokens (${options.maxTokens}); raise strategy:genetic maxTokens`);
  return [{ role: 'assistant' as const, content: reply.content }];
}

/** Run the Coder's unit tests after its code in the sandbox; record the outcome, drop on failure. */
async function fitness(ctx: PluginContext, record: SampleRecord): Promise<void> {
  const own = (record.meta[NAME] ?? {}) as { tests?: string };
  const solution = codeBlock(record.messages.at(-1)?.content ?? '', record.language);
  if (!own.tests || !solution) {
    ctx.drop(record, own.tests ? 'the response holds no code block to test' : 'the Coder wrote no unit tests', 'tests_missing');
    return;
  }
  const result = await ctx.execute({ language: record.language, code: `${solution}\n\n${own.tests}\n` });
  const passed = result.verdict === 'ok';
  record.meta[NAME] = { ...own, fitness: { passed, verdict: result.verdict, exitCode: result.exitCode, ...(passed ? {} : { stderr: result.stderr.slice(-500) }) } };
  if (!passed) ctx.drop(record, `unit tests: ${result.verdict}${result.message ? ` (${result.message})` : ''}: ${lastLine(result.stderr)}`, 'tests_failed');
}

function codeBlock(text: string, language: string): string | undefined {
  for (const m of text.matchAll(/```([\w+#-]*)[^\n]*\n([\s\S]*?)```/g)) {
    if (!m[1] || languageFromFence(m[1]) === language) return m[2];
  }
  return undefined;
}

/** A 31-bit sampling seed from a seed id (16 hex chars). */
function samplingSeed(id: string): number {
  return Number.parseInt(id.slice(0, 8), 16) & 0x7fffffff;
}

function lastLine(s: string): string {
  return s.trim().split('\n').at(-1) ?? '';
}

/**
 * One generation: read the population written so far, write the table, and return the child seeds,
 * or undefined when `generations` or `target` is reached (or no colony has parents).
 */
async function nextGeneration(ctx: PluginContext, options: GeneticOptions & { target: number | undefined }, query: DerivedSeedQuery, population: PopulationIndex): Promise<AsyncIterable<Seed> | undefined> {
  const generation = query.phase; // the seed pass is phase 1 = generation 0
  await population.update(query);
  const rows = population.rows();
  writeTable(query.runDir, rows);
  ctx.report({ generations: rows });
  const end = (why: string) => {
    ctx.log.info(`${why}; per generation and colony (${GENERATIONS_FILE}):\n${formatGenerationTable(rows)}`);
    return undefined;
  };
  if (generation > options.generations) return end(`${options.generations} generations done`);
  if (options.target !== undefined && query.counts.kept >= options.target) return end(`target reached: ${query.counts.kept} kept samples (target ${options.target}) after generation ${generation - 1}`);
  const pools = await population.pools(query, { poolSize: options.poolSize, seed: options.seed, generation });
  const keptByColony = population.keptByColony;
  const quotas = options.target === undefined ? undefined : colonyQuotas(options.target, population.seedKept, options.colonies);
  const plans = pools.map((pool, c) => {
    const want = quotas ? Math.min(options.batchSize, Math.max(0, quotas[c]! - keptByColony[c]!)) : options.batchSize;
    if (pool.length === 0) return [];
    return planChildren(pool, want, colonyRng(options.seed, c, generation, 'operators'), options);
  });
  const total = plans.reduce((n, p) => n + p.length, 0);
  if (total === 0) return end(population.seedKept === 0 ? 'no seed instruction was kept: nothing to evolve from' : `no colony has children left to make after generation ${generation - 1}`);
  ctx.log.info(`generation ${generation}: ${total} children over ${options.colonies} colonies (${plans.map((p) => p.length).join('/')})`);
  return (async function* () {
    const longest = Math.max(...plans.map((p) => p.length));
    for (let i = 0; i < longest; i++) {
      for (let c = 0; c < plans.length; c++) {
        const plan = plans[c]![i];
        if (plan) yield childSeed(plan, c, generation, i);
      }
    }
  })();
}

function childSeed(plan: ChildPlan, colony: number, generation: number, index: number): Seed {
  const meta: ChildSeedMeta = { colony, generation, index, operator: plan.operator, ...(plan.rule ? { rule: plan.rule } : {}), parents: plan.parents.map((p) => ({ id: p.id, instruction: p.instruction })) };
  const first = plan.parents[0]!;
  return {
    id: contentId({ strategy: NAME, colony, generation, index, operator: plan.operator, rule: plan.rule ?? null, parents: meta.parents.map((p) => p.id) }),
    language: first.language,
    code: first.instruction,
    source: { path: `genetic/colony-${colony}/generation-${generation}`, line: index + 1 },
    kind: 'derived',
    meta: { [NAME]: meta },
  };
}

function runTarget(ctx: PluginContext): number | undefined {
  const t = ctx.run.config.target;
  return typeof t === 'number' ? t : undefined;
}

/** Rewrite genetic/generations.json (the table counted from the run's files). */
function writeTable(runDir: string, rows: readonly GenerationRow[]): void {
  mkdirSync(join(runDir, 'genetic'), { recursive: true });
  writeFileSync(join(runDir, GENERATIONS_FILE), `${JSON.stringify({ strategy: NAME, rows }, null, 2)}\n`);
}
