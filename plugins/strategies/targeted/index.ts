import { createRecord, definePlugin, structuredOutput, z, type SampleRecord } from '../../../core/index.js';
import type { DeficiencySeedMeta } from '../../seeds/deficiencies.js';
import { targetedCount } from './plan.js';

export const NAME = 'strategy:targeted';

const targetedSchema = z.object({ instruction: z.string().min(20) }).strict();
export const TARGETED_OUTPUT = structuredOutput('targeted_instruction', targetedSchema);

export const targetedOptions = z
  .object({
    /** `provider:model` of the teacher that writes the instructions; default: the run's model. */
    model: z.string().optional(),
    /** Instructions for the top-ranked deficiency; the others get theirs in proportion to their failure count (at least 1). Our choice: 4. */
    perDeficiency: z.number().int().min(1).max(256).default(4),
    /** Teacher temperature; our choice (distinct problems per ability need variety). */
    temperature: z.number().min(0).max(2).default(0.7),
    maxTokens: z.number().int().positive().default(1024),
    /** Template directory (system.jinja, user.jinja) of the prompt. */
    template: z.string().default('strategy-targeted'),
  })
  .strict();

/**
 * `strategy:targeted`: targeted synthesis after Infinity Instruct's model-deficiency diagnosis
 * (arXiv 2506.11116): each deficiency seed (from `seed:deficiencies`: a weak ability's tags, the
 * diagnosis' explanations and one or two failing benchmark prompts shown as context not to copy)
 * gets `targetedCount(perDeficiency, count, topCount)` new coding instructions exercising that
 * ability, one structured call each (`targeted_instruction`, templates/strategy-targeted, sampling
 * seed = the instruction's index so each is its own cache entry). Record: the user message, `label`
 * = the seed's (level-1 ability, level-2 categories), `lineage.details = { deficiency, rank, index }`,
 * generation 1. A failed call drops a record holding the seed's description, with the call's reason.
 * The gates after it (judge, responder, analyzers, decontamination against the diagnosed benchmark,
 * dedup) are the preset's. Seeds without `meta.deficiency` belong to other strategies and are passed over.
 */
export default definePlugin({
  name: NAME,
  description: 'Targeted synthesis: new coding instructions for each diagnosed weak ability, in proportion to its failures',
  options: targetedOptions,
  apply(ctx, options) {
    ctx.hooks.synthesize.tapPromise(async (records, seed, stage) => {
      const d = seed.meta?.deficiency as DeficiencySeedMeta | undefined;
      if (seed.kind === 'derived' || !d) return records;
      const n = targetedCount(options.perDeficiency, d.count, d.topCount);
      const out: SampleRecord[] = [];
      for (let index = 0; index < n; index++) {
        const make = (instruction: string) => {
          const r = createRecord({ seed, strategy: NAME, messages: [{ role: 'user', content: instruction }], generation: 1, parentIds: [], details: { deficiency: d.key, rank: d.rank, index } });
          if (seed.label) r.label = seed.label;
          return r;
        };
        try {
          const res = await ctx.llm(options.model).structured(
            {
              messages: ctx.templates.chat(options.template, {
                ability: d.ability,
                categories: d.categories,
                explanations: d.explanations,
                contexts: d.contexts,
                benchmark: d.benchmark,
                language: seed.language,
                index: index + 1,
                count: n,
              }),
              temperature: options.temperature,
              maxTokens: options.maxTokens,
              seed: index,
            },
            TARGETED_OUTPUT,
          );
          const r = make(res.value.instruction.trim());
          r.usage = [...res.usage];
          out.push(r);
        } catch (err) {
          if ((err as { fatal?: boolean })?.fatal) throw err;
          out.push(ctx.drop(make(seed.code), `targeted instruction ${index + 1}/${n} for "${d.ability}": ${(err as Error).message}`, (err as { kind?: string })?.kind ?? 'error'));
        }
        if (stage.signal.aborted) break;
      }
      return [...records, ...out];
    });
  },
});
