import type { EvaluationTask } from '../../../core/index.js';
import { parseFields, readCodeBenchmark, type CodeItem, type EvaluationFormat } from './items.js';
import { pythonOutcome } from './outcome.js';
import { assembleProgram } from './program.js';

export { EVALUATION_FORMATS, parseFields, readCodeBenchmark, type CodeItem, type EvaluationFields, type EvaluationFormat } from './items.js';
export { assembleProgram, replyCode } from './program.js';
export { pythonOutcome } from './outcome.js';

/**
 * `instructsmith evaluate`'s task for Python code benchmarks with executable tests (HumanEval, MBPP,
 * or any JSONL mapped with `fields`): completion-style items are asked with
 * `templates/evaluate-completion/` (the prompt in a fence, "complete this function"), instruction-style
 * ones with `templates/evaluate-instruction/` (MBPP's prompt of Austin et al. 2021: the task and its
 * tests); programs are assembled by {@link assembleProgram} and judged by {@link pythonOutcome}.
 * @throws InputError / ConfigError as {@link readCodeBenchmark} and {@link parseFields} do
 */
export function createCodeBenchmarkTask(opts: { path: string; format: EvaluationFormat; fields?: string; name?: string }): EvaluationTask<CodeItem> {
  const { file, items } = readCodeBenchmark(opts.path, parseFields(opts.format, opts.fields));
  const name = opts.name ?? (opts.format === 'jsonl' ? file.split('/').pop()!.replace(/\.(jsonl|json)(\.gz)?$/, '') : opts.format);
  return {
    name,
    file,
    language: 'python',
    items,
    prompt: (item, templates) =>
      item.style === 'completion'
        ? templates.chat('evaluate-completion', { language: 'python', prompt: item.prompt, entry_point: item.entryPoint })
        : templates.chat('evaluate-instruction', { language: 'python', prompt: item.prompt, tests: item.testList ?? [] }),
    program: (item, reply) => {
      const { completion, program } = assembleProgram(item, reply);
      return { completion, request: { language: 'python', code: program } };
    },
    outcome: (_item, result) => pythonOutcome(result),
  };
}
