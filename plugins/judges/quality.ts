import { definePlugin, structuredOutput, z, type JudgeVerdict } from '../../core/index.js';

/**
 * The seven quality dimensions of Infinite-Instruct's quality assessment (arXiv 2505.23177, §3.3):
 * specificity, domain knowledge, complexity, problem-solving, creativity, technical accuracy and
 * practical application, each scored 1-10. The questions that explain each dimension are ours.
 */
export const QUALITY_DIMENSIONS = [
  { key: 'specificity', title: 'Specificity', question: 'Is the problem precise and unambiguous about what is required, with clear inputs, outputs and constraints?' },
  { key: 'domain_knowledge', title: 'Domain knowledge', question: 'Does solving it require real knowledge of the language, libraries or the application domain?' },
  { key: 'complexity', title: 'Complexity', question: 'Does it demand non-trivial logic, algorithms or design rather than a one-liner?' },
  { key: 'problem_solving', title: 'Problem-solving', question: 'Does it exercise reasoning: decomposing the task, choosing an approach, handling edge cases?' },
  { key: 'creativity', title: 'Creativity', question: 'Is it original and interesting rather than a stock textbook exercise?' },
  { key: 'technical_accuracy', title: 'Technical accuracy', question: 'Is everything it states technically correct and is it solvable as stated?' },
  { key: 'practical_application', title: 'Practical application', question: 'Does it reflect a task a developer would meet in real work?' },
] as const;

type DimensionKey = (typeof QUALITY_DIMENSIONS)[number]['key'];

const score = z.number().int().min(1).max(10);
const verdictSchema = z
  .object({
    scores: z.object(Object.fromEntries(QUALITY_DIMENSIONS.map((d) => [d.key, score])) as Record<DimensionKey, typeof score>).strict(),
    rationale: z.string(),
  })
  .strict();
const VERDICT = structuredOutput('quality_verdict', verdictSchema);

const NAME = 'judge:quality';

export const qualityOptions = z
  .object({
    /** `provider:model`; default: the run's model. */
    model: z.string().optional(),
    /** Independent judgments averaged per problem (the paper: 3). */
    judgments: z.number().int().min(1).max(10).default(3),
    /** Keep a problem when its mean score is at least this (the paper: 6 of 10). */
    threshold: z.number().min(1).max(10).default(6),
    /** Sampling temperature of each judgment; our choice, > 0 so the judgments are independent draws. */
    temperature: z.number().min(0).max(2).default(0.7),
    maxTokens: z.number().int().positive().default(512),
  })
  .strict();

/**
 * `judge:quality`: Infinite-Instruct's LLM quality assessment of problems (arXiv 2505.23177, §3.3).
 * Makes `judgments` structured calls per problem (distinct sampling seeds 0..n-1, so each is its own
 * cache entry and a rerun repeats none), averages each dimension over them, and scores the problem by
 * the mean of the seven dimension means. Records a JudgeVerdict (scale 1-10) with `ctx.verdict`,
 * which drops the record when `score < threshold`.
 */
export default definePlugin({
  name: NAME,
  description: 'Infinite-Instruct quality judge: 7 dimensions, n judgments averaged, keep mean >= threshold',
  options: qualityOptions,
  apply(ctx, options) {
    ctx.hooks.judge.for('instruction').tapPromise(async (record) => {
      const problem = record.messages.filter((m) => m.role === 'user').at(-1)?.content;
      if (!problem) throw new Error('record has no user turn to judge');
      const client = ctx.llm(options.model);
      const messages = ctx.templates.chat('judge-quality', { language: record.language, problem, dimensions: QUALITY_DIMENSIONS });
      const results = await Promise.all(
        Array.from({ length: options.judgments }, (_, i) =>
          client.structured({ messages, temperature: options.temperature, maxTokens: options.maxTokens, seed: i }, VERDICT),
        ),
      );
      for (const r of results) record.usage.push(...r.usage);
      const dimensions: Record<string, number> = {};
      for (const d of QUALITY_DIMENSIONS) dimensions[d.key] = mean(results.map((r) => r.value.scores[d.key]));
      const overall = mean(Object.values(dimensions));
      const verdict: JudgeVerdict = {
        judge: NAME,
        model: client.modelId,
        score: overall,
        threshold: options.threshold,
        passed: overall >= options.threshold,
        dimensions,
        judgments: results.length,
        rationale: results.map((r) => r.value.rationale),
      };
      ctx.verdict(record, verdict);
    });
  },
});

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
