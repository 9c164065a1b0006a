import { type CallMeta, type PluginLlmClient, type PluginContext, type SampleRecord, type UsageEntry, isKnownLanguage, structuredOutput, z } from '../../../core/index.js';
import type { ExtractedKeywords } from './types.js';

/** The reply the keyword-extraction prompt asks for (templates/strategy-backfeeding-keywords). */
export const keywordsSchema = z
  .object({
    language: z.string(),
    task: z.array(z.string()),
    instruction: z.array(z.string()),
    knowledge: z.array(z.string()),
  })
  .strict();

export const KEYWORDS_OUTPUT = structuredOutput('backfeeding_keywords', keywordsSchema);

/** The problem statement of a record: its first user turn. Undefined when it has none. */
export function problemText(record: SampleRecord): string | undefined {
  return record.messages.find((m) => m.role === 'user')?.content;
}

/** Result of extracting one record's keywords. */
export type ExtractionOutcome =
  | { ok: true; keywords: ExtractedKeywords; usage: UsageEntry[] }
  | { ok: false; reason: string };

/**
 * Extract task / instruction / knowledge-point keywords from one problem with a structured LLM
 * call (Infinite-Instruct's backfeeding construction, arXiv 2505.23177: keywords of three kinds from
 * each problem), at `opts.priority` in the endpoint's queue. The record's language wins over the
 * model's guess when the record has a known one.
 * Temperature 0 (our choice): extraction is labelling, not writing. The call goes through core's
 * cache, so a resumed run repeats none.
 * @returns `{ok: false, reason}` for a record with no user turn or a reply that never validated;
 * @throws LlmError of a fatal kind (unreachable endpoint, rejected key): the run cannot go on.
 */
export async function extractKeywords(
  ctx: Pick<PluginContext, 'templates' | 'drop'>,
  llm: PluginLlmClient,
  record: SampleRecord,
  opts: { plugin: string; maxPerKind: number; maxTokens: number; priority?: CallMeta['priority'] },
): Promise<ExtractionOutcome> {
  const problem = problemText(record);
  if (!problem?.trim()) return { ok: false, reason: 'record has no user turn to take keywords from' };
  try {
    const res = await llm.structured(
      { messages: ctx.templates.chat('strategy-backfeeding-keywords', { problem, language: record.language, max_per_kind: opts.maxPerKind }), temperature: 0, maxTokens: opts.maxTokens },
      KEYWORDS_OUTPUT,
      opts.priority ? { priority: opts.priority } : undefined,
    );
    const v = res.value;
    const guessed = v.language.trim().toLowerCase();
    const language = isKnownLanguage(record.language) || !guessed ? record.language : guessed;
    return { ok: true, keywords: { language, task: v.task, instruction: v.instruction, knowledge: v.knowledge }, usage: res.usage };
  } catch (err) {
    if ((err as { fatal?: boolean })?.fatal) throw err;
    return { ok: false, reason: `keyword extraction failed: ${(err as Error).message}` };
  }
}
