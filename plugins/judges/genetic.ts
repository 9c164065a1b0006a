import { definePlugin, structuredOutput, z, type JudgeVerdict } from '../../core/index.js';

/**
 * What the Judge scores on an (instruction, code) pair. Genetic-Instruct's Judge-LLM checks the
 * correctness and quality of each pair (arXiv 2407.21077, abstract and §1); these criteria and their
 * questions are our choice.
 */
export const GENETIC_CRITERIA = [
  { key: 'instruction_clarity', title: 'Instruction clarity', question: 'Is the instruction a clear, self-contained and solvable coding task with precise inputs and outputs?' },
  { key: 'correctness', title: 'Correctness', question: 'Does the code solve the task correctly, including edge cases, without errors?' },
  { key: 'completeness', title: 'Completeness', question: 'Does the code address every requirement of the instruction?' },
  { key: 'code_quality', title: 'Code quality', question: 'Is the code idiomatic, readable and reasonably efficient?' },
] as const;

type CriterionKey = (typeof GENETIC_CRITERIA)[number]['key'];

const score = z.number().int().min(1).max(10);
const verdictSchema = z
  .object({
    scores: z.object(Object.fromEntries(GENETIC_CRITERIA.map((c) => [c.key, score])) as Record<CriterionKey, typeof score>).strict(),
    correct: z.boolean(),
    reasons: z.array(z.string()).min(1),
  })
  .strict();
const VERDICT = structuredOutput('genetic_verdict', verdictSchema);

const NAME = 'judge:genetic';

export const geneticJudgeOptions = z
  .object({
    /** `provider:model` of the Judge; default: the run's model. */
    model: z.string().optional(),
    /** Keep a pair whose mean criterion score is at least this (1-10) and that the Judge calls correct. Our choice. */
    threshold: z.number().min(1).max(10).default(6),
    /** Also require `correct: true` (the paper's Judge decides correctness). */
    requireCorrect: z.boolean().default(true),
    /** Our choice: a judge should be near-deterministic. */
    temperature: z.number().min(0).max(2).default(0),
    maxTokens: z.number().int().positive().default(512),
  })
  .strict();

/**
 * `judge:genetic`: Genetic-Instruct's Judge (arXiv 2407.21077) on `judge.for('response')`: one
 * structured call per pair scores four criteria (1-10) and says whether the code is correct, with
 * reasons. Records a JudgeVerdict (score = mean of the criteria, `dimensions` = the criteria plus
 * `correct` as 0/1, `rationale` = the reasons) with `ctx.verdict`, which drops the pair below the
 * threshold (`below_threshold`); a pair scored high enough but judged incorrect (with
 * `requireCorrect`) keeps the verdict on the record and is dropped as `incorrect`, with the reasons.
 */
export default definePlugin({
  name: NAME,
  description: 'Genetic-Instruct Judge: scores an (instruction, code) pair and decides its correctness, with reasons',
  options: geneticJudgeOptions,
  apply(ctx, options) {
    ctx.hooks.judge.for('response').tapPromise(async (record) => {
      const instruction = record.messages.filter((m) => m.role === 'user').at(-1)?.content;
      const response = record.messages.at(-1);
      if (!instruction || response?.role !== 'assistant') throw new Error('record has no (instruction, response) pair to judge');
      const client = ctx.llm(options.model);
      const messages = ctx.templates.chat('judge-genetic', { language: record.language, instruction, response: response.content, criteria: GENETIC_CRITERIA });
      const res = await client.structured({ messages, temperature: options.temperature, maxTokens: options.maxTokens }, VERDICT);
      record.usage.push(...res.usage);
      const dimensions: Record<string, number> = { ...res.value.scores, correct: res.value.correct ? 1 : 0 };
      const values = Object.values(res.value.scores);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const passed = mean >= options.threshold && (!options.requireCorrect || res.value.correct);
      const verdict: JudgeVerdict = {
        judge: NAME,
        model: client.modelId,
        score: mean,
        threshold: options.threshold,
        passed,
        dimensions,
        judgments: 1,
        rationale: res.value.reasons,
      };
      if (mean >= options.threshold && !passed) {
        // verdictReason would say "score 8 < 6": name the real reason, the Judge's correctness call.
        record.scores.push(verdict);
        ctx.drop(record, `judged incorrect: ${res.value.reasons.join(' ')}`, 'incorrect');
        return;
      }
      ctx.verdict(record, verdict);
    });
  },
});
