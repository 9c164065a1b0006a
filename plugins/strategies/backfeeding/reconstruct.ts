import { createRecord, type PluginLlmClient, type PluginContext, type SampleRecord, type Seed, structuredOutput, z } from '../../../core/index.js';
import { describeTriple, type BackfeedingSeedMeta } from './seeds.js';

/** The reply the reconstruction prompt asks for (templates/strategy-backfeeding-reconstruct). */
export const reconstructSchema = z.object({ plan: z.string().min(1), problem: z.string().min(20) }).strict();
export const RECONSTRUCT_OUTPUT = structuredOutput('backfeeding_problem', reconstructSchema);

/**
 * Write a new problem from one keyword combination (Infinite-Instruct's backfeeding construction,
 * arXiv 2505.23177: new, more logically structured problems from sampled keyword combinations).
 * One structured call: the model first plans how the keywords fit, then writes the problem.
 * Returns a record at stage `problem` (strategy `plugin`), `messages = [{role: 'user', content: problem}]`,
 * keywords, triples, community and provenance in `lineage.details`, the source problems as
 * `parentIds`, generation 1; or that record dropped with the reason when the call failed.
 * @throws LlmError of a fatal kind.
 */
export async function reconstructProblem(
  ctx: Pick<PluginContext, 'templates' | 'drop'>,
  llm: PluginLlmClient,
  seed: Seed,
  meta: BackfeedingSeedMeta,
  opts: { plugin: string; temperature: number; maxTokens: number },
): Promise<SampleRecord> {
  const pick = (kind: string) => meta.keywords.filter((k) => k.kind === kind).map((k) => k.keyword);
  const details = {
    keywords: meta.keywords,
    triples: meta.triples,
    community: meta.community,
    crossCommunity: meta.crossCommunity,
    provenance: meta.provenance,
  };
  const base = { seed, strategy: opts.plugin, details, parentIds: meta.provenance, generation: 1 };
  try {
    const res = await llm.structured(
      {
        messages: ctx.templates.chat('strategy-backfeeding-reconstruct', {
          language: seed.language,
          tasks: pick('task'),
          instructions: pick('instruction'),
          knowledge: pick('knowledge'),
          relations: meta.triples.map(describeTriple),
        }),
        temperature: opts.temperature,
        maxTokens: opts.maxTokens,
      },
      RECONSTRUCT_OUTPUT,
    );
    const record = createRecord({ ...base, messages: [{ role: 'user', content: res.value.problem }], meta: { [opts.plugin]: { plan: res.value.plan } } });
    record.usage = [...res.usage];
    return record;
  } catch (err) {
    if ((err as { fatal?: boolean })?.fatal) throw err;
    const record = createRecord({ ...base, messages: [], meta: { [opts.plugin]: { combination: seed.code } } });
    return ctx.drop(record, `reconstruction: ${(err as Error).message}`, (err as { kind?: string })?.kind ?? 'error');
  }
}
