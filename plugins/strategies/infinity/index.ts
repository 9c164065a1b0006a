import { createRecord, definePlugin, structuredOutput, z, type SampleRecord } from '../../../core/index.js';
import { DIMENSION_NAMES, planEvolutions } from './dimensions.js';

export const NAME = 'strategy:infinity';

const evolutionSchema = z.object({ instruction: z.string().min(10) }).strict();
const EVOLUTION = structuredOutput('infinity_evolution', evolutionSchema);

export const infinityOptions = z
  .object({
    /** `provider:model` of the teacher that evolves the instructions; default: the run's model. */
    model: z.string().optional(),
    /** Dimensions to draw from (default: all four of the paper: breadth, depth, difficulty, complexity). */
    dimensions: z.array(z.enum(DIMENSION_NAMES)).min(1).default([...DIMENSION_NAMES]),
    /** Evolved instructions per seed, each along its own drawn dimension (the paper: one). */
    evolutions: z.number().int().min(1).max(16).default(1),
    /** Teacher temperature; our choice (an evolution needs variety, the paper gives none). */
    temperature: z.number().min(0).max(2).default(0.7),
    maxTokens: z.number().int().positive().default(1024),
  })
  .strict();

/**
 * `strategy:infinity`: Infinity Instruct's instruction evolution (arXiv 2506.11116, Phase 2): each
 * chosen seed (a pool row: `seed.code` is its first user instruction) is evolved along one
 * dimension of breadth, depth, difficulty and complexity, drawn at random but deterministically per
 * seed id (mulberry32, `dimensions.ts`), by one structured call to the teacher
 * (`infinity_evolution`, templates/strategy-infinity-evolution) per evolution.
 * Record: user message = the evolved instruction, `label` = the seed's label, `lineage.details =
 * { dimension, rule, original }` (`rule`: the Evol-Instruct rule that carried the dimension out),
 * generation 1, no parents (the seed is not a record). A failed call drops a record holding the
 * original instruction, with the call's reason. `judge:compliance` then drops failed evolutions.
 * Seeds of kind `derived` belong to other strategies and are passed over.
 */
export default definePlugin({
  name: NAME,
  description: 'Infinity Instruct evolution: each seed instruction evolved along one random dimension (breadth, depth, difficulty, complexity)',
  options: infinityOptions,
  apply(ctx, options) {
    ctx.hooks.synthesize.tapPromise(async (records, seed, stage) => {
      if (seed.kind === 'derived') return records;
      const original = seed.code;
      if (!original.trim()) throw new Error(`seed ${seed.id} has no instruction to evolve (empty code)`);
      const out: SampleRecord[] = [];
      for (const [i, plan] of planEvolutions(seed.id, options.dimensions, options.evolutions).entries()) {
        const details = { dimension: plan.dimension, rule: plan.rule, original };
        const make = (instruction: string) => {
          const r = createRecord({ seed, strategy: NAME, messages: [{ role: 'user', content: instruction }], generation: 1, parentIds: [], details });
          if (seed.label) r.label = seed.label;
          return r;
        };
        try {
          const res = await ctx.llm(options.model).structured(
            {
              messages: ctx.templates.chat('strategy-infinity-evolution', { instruction: original, language: seed.language, directive: plan.directive }),
              temperature: options.temperature,
              maxTokens: options.maxTokens,
              // Distinct per evolution, so two evolutions along the same dimension are distinct cache entries.
              seed: i,
            },
            EVOLUTION,
          );
          const r = make(res.value.instruction.trim());
          r.usage = [...res.usage];
          out.push(r);
        } catch (err) {
          if ((err as { fatal?: boolean })?.fatal) throw err;
          out.push(ctx.drop(make(original), `evolution (${plan.dimension}): ${(err as Error).message}`, (err as { kind?: string })?.kind ?? 'error'));
        }
        if (stage.signal.aborted) break;
      }
      return [...records, ...out];
    });
  },
});
