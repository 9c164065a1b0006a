import type { ExecutionRequest, ExecutionResult } from '../exec/types.js';
import type { TemplateRenderer } from '../plugin.js';
import type { ChatMessage } from '../record.js';

/**
 * The contract between `instructsmith evaluate`'s loop (core/runner/evaluation-run.ts: the target
 * model, sampling, the sandbox, resume, pass@k) and a benchmark: how its items are asked, how a reply
 * becomes a program that runs the item's tests, and what the execution means. Core knows no benchmark
 * format; the composition root (the CLI) builds the task (e.g. plugins/evaluators/code/ for HumanEval,
 * MBPP and field-mapped JSONL).
 */
export interface EvaluationTask<I extends EvaluationItem = EvaluationItem> {
  /** Benchmark name, for summary.json and progress lines (`humaneval`). */
  readonly name: string;
  /** The file the items were read from (absolute). */
  readonly file: string;
  /** Language id of the programs; an executor for it must be tapped (`hooks.execute`). */
  readonly language: string;
  /** Every item, in file order. */
  readonly items: readonly I[];
  /** The chat request's messages for one item (rendered from `templates/`). */
  prompt(item: I, templates: TemplateRenderer): ChatMessage[];
  /** The program that runs `item`'s tests on the model's `reply`, and the completion (code) taken from the reply. */
  program(item: I, reply: string): { completion: string; request: ExecutionRequest };
  /** What the execution of {@link program}'s request says about the completion. */
  outcome(item: I, result: ExecutionResult): EvaluationOutcome;
}

export interface EvaluationItem {
  /** The benchmark's id of the item (`HumanEval/0`, `11`); unique within the task. */
  readonly id: string;
}

/** Whether a completion passed its tests, and if not why. */
export interface EvaluationOutcome {
  passed: boolean;
  /** Set when `passed` is false. */
  error?: EvaluationError;
}

/**
 * Why a completion failed:
 * - `assertion`: a test's assert failed (`message` is the failing assert's source line, then its message);
 * - `exception`: the program raised (`type` is the exception class, `message` its text);
 * - `syntax`: the program does not parse (`type`: SyntaxError, IndentationError, ...);
 * - `timeout`, `memory`, `output_limit`, `killed`, `refused`: the sandbox's verdict of that name.
 */
export interface EvaluationError {
  kind: 'assertion' | 'exception' | 'syntax' | 'timeout' | 'memory' | 'output_limit' | 'killed' | 'refused';
  type?: string;
  message: string;
  /** The last lines of stderr (at most 2000 characters). */
  stderrTail: string;
}
