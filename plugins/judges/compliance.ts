import { distance } from 'fastest-levenshtein';
import { definePlugin, structuredOutput, z, type SampleRecord } from '../../core/index.js';
import { MUTATION_RULE_NAMES, type MutationRule } from '../strategies/genetic/operators.js';
import { DIMENSION_NAMES, directiveOf, type EvolutionDimension } from '../strategies/infinity/dimensions.js';

const NAME = 'judge:compliance';

const complianceSchema = z.object({ complied: z.boolean(), reason: z.string().min(1) }).strict();
const COMPLIANCE = structuredOutput('infinity_compliance', complianceSchema);

export const complianceOptions = z
  .object({
    /** `provider:model` of the checking model; default: the run's model. */
    model: z.string().optional(),
    /**
     * Least share of the original instruction that an evolution must change, as the character edit
     * distance between the normalised texts (lower case, collapsed whitespace, punctuation removed)
     * over the longer one's length, 0-1. Below it the evolution did nothing and is dropped without a
     * call. Our choice: 0.1 passes one added requirement sentence, not a reworded greeting.
     */
    minChange: z.number().min(0).max(1).default(0.1),
    /** Our choice: a check wants no sampling noise. */
    temperature: z.number().min(0).max(2).default(0),
    maxTokens: z.number().int().positive().default(256),
  })
  .strict();

/**
 * `judge:compliance`: Infinity Instruct's removal of failed evolutions (arXiv 2506.11116, Phase 2:
 * evolved instructions that do not comply are dropped). On `judge.for('instruction')`, for records
 * an evolution wrote (`lineage.details` with `dimension`, `rule` and `original`, as
 * `strategy:infinity` writes them; other records are passed over):
 * 1. cheap check, no call: an evolved instruction equal or near-equal to the original
 *    ({@link changeRatio} < `minChange`) is dropped, category `evolution_unchanged`;
 * 2. one structured call (`infinity_compliance`: `{complied, reason}`, templates/judge-compliance)
 *    asks whether it followed its dimension's directive and is a self-contained, solvable
 *    instruction; `complied: false` drops it, category `evolution_failed`, with the check's reason.
 * The check's outcome is kept in `meta['judge:compliance']`.
 */
export default definePlugin({
  name: NAME,
  description: 'Infinity Instruct compliance check: drops evolutions that changed nothing or did not follow their dimension',
  options: complianceOptions,
  apply(ctx, options) {
    ctx.hooks.judge.for('instruction').tapPromise(async (record) => {
      const evolution = evolutionOf(record);
      if (!evolution) return;
      const evolved = record.messages.filter((m) => m.role === 'user').at(-1)?.content;
      if (!evolved) throw new Error('record has no user turn to check');
      const change = changeRatio(evolution.original, evolved);
      if (change < options.minChange) {
        ctx.drop(record, `the evolved instruction is (nearly) the original: ${(change * 100).toFixed(1)}% changed < ${(options.minChange * 100).toFixed(1)}% (minChange)`, 'evolution_unchanged');
        return;
      }
      const client = ctx.llm(options.model);
      const res = await client.structured(
        {
          messages: ctx.templates.chat('judge-compliance', { directive: directiveOf(evolution.dimension, evolution.rule), original: evolution.original, evolved }),
          temperature: options.temperature,
          maxTokens: options.maxTokens,
        },
        COMPLIANCE,
      );
      record.usage.push(...res.usage);
      record.meta[NAME] = { complied: res.value.complied, reason: res.value.reason, change: Number(change.toFixed(4)), model: client.modelId };
      if (!res.value.complied) ctx.drop(record, `evolution (${evolution.dimension}) did not comply: ${res.value.reason}`, 'evolution_failed');
    });
  },
});

/** The evolution provenance of a record, when an evolution wrote it. */
function evolutionOf(record: SampleRecord): { dimension: EvolutionDimension; rule: MutationRule; original: string } | undefined {
  const d = record.lineage.details;
  if (!d || typeof d.original !== 'string') return undefined;
  if (!DIMENSION_NAMES.includes(d.dimension as EvolutionDimension) || !MUTATION_RULE_NAMES.includes(d.rule as MutationRule)) return undefined;
  return { dimension: d.dimension as EvolutionDimension, rule: d.rule as MutationRule, original: d.original };
}

/**
 * How much of `original` the evolution changed, 0 (same text) to 1: Levenshtein distance between
 * the normalised texts (NFKC, lower case, punctuation dropped, whitespace collapsed) over the longer
 * normalised length. Normalising first makes a change of case, spacing or punctuation count as none.
 */
export function changeRatio(original: string, evolved: string): number {
  const a = normalise(original);
  const b = normalise(evolved);
  const longest = Math.max(a.length, b.length);
  return longest === 0 ? 0 : distance(a, b) / longest;
}

function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\p{P}\p{S}]+/gu, ' ').replace(/\s+/g, ' ').trim();
}
