import { contentId, createRecord, definePlugin, structuredOutput, z, type SampleRecord, type UsageEntry } from '../../core/index.js';

/**
 * The six rewrite directions of Infinite-Instruct's reverse construction (arXiv 2505.23177, §3.1 and
 * Appendix A.2: adding constraints, depth extension, concretization, reasoning refinement, input
 * enhancement, innovative change). The guidance sentences are ours.
 */
export const REWRITE_DIRECTIONS = {
  'add-constraints': {
    title: 'Add constraints',
    guidance: 'add one or two realistic requirements or limits (performance bounds, memory limits, input validation, error handling) that the solution must respect.',
  },
  deepen: {
    title: 'Depth extension',
    guidance: 'ask for a deeper treatment of the core idea: handle more cases, generalise the operation, or require a more thorough algorithm.',
  },
  concretize: {
    title: 'Concretization',
    guidance: 'replace general notions with a specific, realistic scenario, concrete data formats and named entities.',
  },
  'refine-reasoning': {
    title: 'Reasoning refinement',
    guidance: 'require several explicit reasoning steps (decompose the task, justify a choice, or combine intermediate results).',
  },
  'enrich-input': {
    title: 'Input enhancement',
    guidance: 'make the input richer or more varied (nested structures, multiple inputs, edge-case inputs) and say precisely how each is given.',
  },
  innovate: {
    title: 'Innovative change',
    guidance: 'introduce a novel twist on the problem that keeps its core skill but changes the goal or the setting in an interesting way.',
  },
} as const;

export type RewriteDirection = keyof typeof REWRITE_DIRECTIONS;
const DIRECTION_NAMES = Object.keys(REWRITE_DIRECTIONS) as [RewriteDirection, ...RewriteDirection[]];

const problemSchema = z.object({ analysis: z.string().min(1), problem: z.string().min(20) }).strict();
const rewriteSchema = z.object({ problem: z.string().min(20) }).strict();
const PROBLEM = structuredOutput('reverse_problem', problemSchema);
const REWRITE = structuredOutput('rewritten_problem', rewriteSchema);

const NAME = 'strategy:reverse';

export const reverseOptions = z
  .object({
    /** `provider:model`; default: the run's model. */
    model: z.string().optional(),
    /** Rewrite directions to draw from (default: all six of the paper). */
    directions: z.array(z.enum(DIRECTION_NAMES)).min(1).default([...DIRECTION_NAMES]),
    /** Rewritten problems per seed, each along a different direction (at most the number of directions). */
    rewritesPerSeed: z.number().int().min(0).max(6).default(1),
    /** Also keep the initial (unrewritten) problem as a sample. */
    keepInitial: z.boolean().default(false),
    /** Sampling temperature for both calls; our choice (the paper does not give one). */
    temperature: z.number().min(0).max(2).default(0.7),
    maxTokens: z.number().int().positive().default(1024),
  })
  .strict()
  .refine((o) => o.rewritesPerSeed > 0 || o.keepInitial, { message: 'rewritesPerSeed is 0 and keepInitial is false: no problem would be kept' });

/**
 * `strategy:reverse`: Infinite-Instruct's reverse construction, code → problem (arXiv 2505.23177, §3.1).
 * For each code seed: one structured call analyses the snippet and writes an initial problem
 * (Appendix A.1); then `rewritesPerSeed` structured calls rewrite it, each along a direction chosen
 * deterministically from the seed id (Appendix A.2), so a rerun picks the same directions.
 * Records: `messages = [{role: 'user', content: problem}]`, `lineage.details = {direction}`.
 * Seeds of kind `derived` belong to other strategies and are passed over.
 */
export default definePlugin({
  name: NAME,
  description: 'Infinite-Instruct reverse construction: real code → programming problem, rewritten along six directions',
  options: reverseOptions,
  apply(ctx, options) {
    const llm = () => ctx.llm(options.model);
    ctx.hooks.synthesize.tapPromise(async (records, seed, stage) => {
      if (seed.kind === 'derived') return records;
      const source = seed.source.line ? `${seed.source.path}:${seed.source.line}` : seed.source.path;
      const sampling = { temperature: options.temperature, maxTokens: options.maxTokens };
      const base = { seed, strategy: NAME };
      const usage: UsageEntry[] = [];
      let initial: z.output<typeof problemSchema>;
      try {
        const res = await llm().structured(
          { messages: ctx.templates.chat('strategy-reverse', { language: seed.language, code: seed.code, source }), ...sampling },
          PROBLEM,
          { plugin: NAME },
        );
        usage.push(...res.usage);
        initial = res.value;
      } catch (err) {
        if (isFatal(err)) throw err;
        const r = createRecord({ ...base, messages: [], meta: { [NAME]: { code: seed.code } } });
        return [...records, ctx.drop(r, `initial problem: ${(err as Error).message}`, kindOf(err))];
      }

      const out: SampleRecord[] = [];
      if (options.keepInitial) {
        const r = createRecord({ ...base, messages: [{ role: 'user', content: initial.problem }], details: { direction: 'initial' }, meta: { [NAME]: { analysis: initial.analysis } } });
        r.usage = [...usage];
        out.push(r);
      }
      for (const direction of pickDirections(seed.id, options.directions, options.rewritesPerSeed)) {
        const d = REWRITE_DIRECTIONS[direction];
        const meta = { [NAME]: { analysis: initial.analysis, initialProblem: initial.problem } };
        try {
          const res = await llm().structured(
            { messages: ctx.templates.chat('strategy-reverse-rewrite', { language: seed.language, problem: initial.problem, direction: d }), ...sampling },
            REWRITE,
            { plugin: NAME },
          );
          const r = createRecord({ ...base, messages: [{ role: 'user', content: res.value.problem }], details: { direction }, meta });
          r.usage = [...usage, ...res.usage];
          out.push(r);
        } catch (err) {
          if (isFatal(err)) throw err;
          const r = createRecord({ ...base, messages: [{ role: 'user', content: initial.problem }], details: { direction }, meta });
          r.usage = [...usage];
          out.push(ctx.drop(r, `rewrite (${direction}): ${(err as Error).message}`, kindOf(err)));
        }
        if (stage.signal.aborted) break;
      }
      return [...records, ...out];
    });
  },
});

/** `count` distinct directions, chosen by hashing the seed id so that reruns choose the same ones. */
export function pickDirections(seedId: string, directions: readonly RewriteDirection[], count: number): RewriteDirection[] {
  // Each direction's hash once, not twice per comparison.
  const keyed = directions.map((d) => ({ d, key: contentId([seedId, d]) }));
  keyed.sort((a, b) => a.key.localeCompare(b.key));
  return keyed.slice(0, Math.min(count, keyed.length)).map((k) => k.d);
}

function isFatal(err: unknown): boolean {
  return Boolean((err as { fatal?: boolean })?.fatal);
}

function kindOf(err: unknown): string {
  return (err as { kind?: string })?.kind ?? 'error';
}
