import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import type { ResolvedConfig } from '../config/schema.js';
import { ConfigError, redactConfigSecrets } from '../errors.js';
import { meanPassAtK } from '../evaluation/pass-at-k.js';
import { ResultsFile, type EvaluationResultLine } from '../evaluation/results.js';
import type { EvaluationItem, EvaluationTask } from '../evaluation/types.js';
import { execute } from '../exec/execute.js';
import { executableLanguages } from '../hooks.js';
import type { UsageTotals } from '../llm/types.js';
import type { Logger, Plugin } from '../plugin.js';
import { startPlugins } from './host.js';
import { withRunDirLock } from './run-dir.js';
import { llmSettings } from './runner.js';

export interface EvaluationRunOptions {
  /** `model` (the target), `out`, `limit` (first N items), `concurrency` (samples in flight), `cache`, `llm`, `templates`, `plugins` (an executor for the task's language among them). */
  config: ResolvedConfig;
  task: EvaluationTask;
  /** Samples per item (n of pass@k), >= 1. */
  samples: number;
  /** The k of pass@k to report; those above `samples` are left out (1 always is reported). */
  ks: readonly number[];
  temperature: number;
  /** Completion-token cap of each call. */
  maxTokens?: number;
  builtins: readonly Plugin[];
  implicit?: readonly Plugin[];
  log: Logger;
  signal?: AbortSignal;
  /** Called each time an item has all its samples. */
  onProgress?: (progress: EvaluationProgress) => void;
}

export interface EvaluationProgress {
  itemsDone: number;
  items: number;
  /** Mean over the finished items of passed / samples. */
  passAt1: number;
}

/** `summary.json`. */
export interface EvaluationSummary {
  status: 'complete' | 'partial';
  benchmark: string;
  file: string;
  model: string;
  items: number;
  /** Items with all their samples (the pass@k below are over these). */
  itemsDone: number;
  samples: number;
  temperature: number;
  /** `pass@1`, `pass@10`, ...: Chen et al. 2021's unbiased estimator, mean over the finished items. */
  passAtK: Record<string, number>;
  /** Finished samples that passed / all finished samples. */
  passed: number;
  evaluated: number;
  /** Failing samples by error kind (assertion, exception, syntax, timeout, ...). */
  errors: Record<string, number>;
  /** Samples found in results.jsonl from an earlier, interrupted evaluation (not evaluated again). */
  resumedSamples: number;
  usage: Record<string, UsageTotals>;
  /** Wall-clock seconds of this invocation, and the items it finished per second. */
  seconds: number;
  itemsPerSecond: number;
}

/** What fixes the meaning of results.jsonl: a rerun with other values would mix two evaluations. */
interface EvaluationIdentity {
  benchmark: string;
  file: string;
  model: string;
  temperature: number;
  maxTokens: number | null;
}

/**
 * `instructsmith evaluate`: sample the target model (`config.model`) on every item of `task`,
 * `samples` times with sampling seeds 0..n-1 (so repeated samples are distinct calls and distinct
 * cache entries), run each completion against the item's tests with the executor of the task's
 * language (`hooks.execute`, e.g. executor:sandbox), and write to `config.out`:
 * - `results.jsonl`: one {@link EvaluationResultLine} per item and sample, appended as each finishes;
 * - `summary.json`: {@link EvaluationSummary} (pass@k by Chen et al. 2021, section 2.1);
 * - `evaluation.json`: the benchmark, model and sampling the results belong to.
 * A rerun on the same directory skips the (item, sample) pairs already in results.jsonl (a partial
 * last line is cut and done again), and the LLM cache (`<out>/cache` unless configured) answers calls
 * made before a kill. The directory is locked while the evaluation runs.
 * @throws ConfigError when no model or output directory is given, no executor runs the task's
 *   language, or the directory holds an evaluation of another benchmark, model or sampling;
 *   InputError for a damaged results.jsonl; LlmError (fatal kinds) and sandbox errors as a run does
 */
export async function runEvaluation(options: EvaluationRunOptions): Promise<EvaluationSummary> {
  const { config, task, log } = options;
  if (!config.model) throw new ConfigError('no target model: pass --model provider:model', { code: 'USAGE', hint: 'e.g. --model openai:gpt-4o-mini or --model ollama:qwen2.5-coder:7b' });
  if (!config.out) throw new ConfigError('no output directory: pass --out DIR', { code: 'USAGE', hint: 'e.g. --out evals/humaneval' });
  const model = config.model;
  const outDir = resolve(config.out);
  mkdirSync(outDir, { recursive: true });
  return withRunDirLock(outDir, async () => {
    const started = performance.now();
    const identity: EvaluationIdentity = { benchmark: task.name, file: task.file, model, temperature: options.temperature, maxTokens: options.maxTokens ?? null };
    checkIdentity(outDir, identity);
    const controller = new AbortController();
    options.signal?.addEventListener('abort', () => controller.abort(options.signal?.reason), { once: true });
    const { hooks, llm, meter, reports, templates } = await startPlugins({ config, dir: outDir, builtins: options.builtins, implicit: options.implicit, log, settings: llmSettings(config, outDir), defaultModel: model, signal: controller.signal });
    if (!executableLanguages(hooks).includes(task.language)) {
      throw new ConfigError(`no executor runs ${task.language} code, so no completion could be tested`, {
        code: 'EXECUTOR_MISSING',
        hint: `add an executor for ${task.language} to plugins (the built-in one: "executor:sandbox", with its runtime installed)`,
      });
    }
    const client = llm(model);
    // Recorded only once start-up passed, so a corrected command is never refused for a failed start.
    writeFileSync(join(outDir, 'evaluation.json'), `${JSON.stringify(identity, null, 2)}\n`);
    const items = config.limit !== undefined ? task.items.slice(0, config.limit) : task.items;
    const byId = new Map(items.map((i) => [i.id, i]));
    const results = new ResultsFile(join(outDir, 'results.jsonl'));
    // Per item: samples finished and passed. Lines of items outside this selection, or of samples
    // beyond n, stay in the file but do not count.
    const tally = new Map<string, { done: Set<number>; passed: number }>(items.map((i) => [i.id, { done: new Set<number>(), passed: 0 }]));
    const errors: Record<string, number> = {};
    const count = (line: EvaluationResultLine) => {
      const t = tally.get(line.task_id);
      if (!t || line.sample >= options.samples || t.done.has(line.sample) || !byId.has(line.task_id)) return false;
      t.done.add(line.sample);
      if (line.passed) t.passed++;
      else if (line.error) errors[line.error.kind] = (errors[line.error.kind] ?? 0) + 1;
      return true;
    };
    let resumedSamples = 0;
    for (const line of results.previous) if (count(line)) resumedSamples++;
    const finished = () => [...tally.values()].filter((t) => t.done.size >= options.samples);
    let itemsDoneHere = 0;
    const progress = () => {
      const done = finished();
      options.onProgress?.({ itemsDone: done.length, items: items.length, passAt1: done.length ? done.reduce((s, t) => s + t.passed / options.samples, 0) / done.length : 0 });
    };
    if (resumedSamples > 0) log.info(`resuming: ${resumedSamples} of ${items.length * options.samples} samples are already in ${results.file}`);

    const limit = pLimit(config.concurrency);
    let failure: unknown;
    const evaluateOne = async (item: EvaluationItem, sample: number) => {
      if (controller.signal.aborted) return;
      try {
        const reply = await client.complete(
          { messages: task.prompt(item, templates), temperature: options.temperature, seed: sample, ...(options.maxTokens ? { maxTokens: options.maxTokens } : {}) },
          { plugin: 'evaluate' },
        );
        const { completion, request } = task.program(item, reply.content);
        const result = await execute(hooks, { ...request, signal: controller.signal });
        // A sandbox killed by our own abort says nothing about the completion: left for the rerun.
        if (controller.signal.aborted) return;
        const outcome = task.outcome(item, result);
        const line: EvaluationResultLine = { task_id: item.id, sample, completion, passed: outcome.passed, error: outcome.passed ? null : (outcome.error ?? null), durationMs: result.durationMs };
        results.append(line);
        count(line);
        if (tally.get(item.id)!.done.size === options.samples) {
          itemsDoneHere++;
          progress();
        }
      } catch (err) {
        if (controller.signal.aborted) return;
        failure ??= err;
        controller.abort(err);
      }
    };
    try {
      const pending: Promise<void>[] = [];
      for (const item of items) {
        const t = tally.get(item.id)!;
        for (let s = 0; s < options.samples; s++) if (!t.done.has(s)) pending.push(limit(() => evaluateOne(item, s)));
      }
      await Promise.all(pending);
    } finally {
      results.close();
    }
    const done = finished();
    const passAtK: Record<string, number> = {};
    const problems = done.map((t) => ({ n: options.samples, c: t.passed }));
    for (const k of [...new Set([1, ...options.ks])].sort((a, b) => a - b)) {
      if (k > options.samples) continue;
      const v = meanPassAtK(problems, k);
      if (v !== undefined) passAtK[`pass@${k}`] = v;
    }
    const evaluated = [...tally.values()].reduce((s, t) => s + t.done.size, 0);
    const seconds = (performance.now() - started) / 1000;
    const summary: EvaluationSummary = {
      status: done.length === items.length ? 'complete' : 'partial',
      benchmark: task.name,
      file: task.file,
      model,
      items: items.length,
      itemsDone: done.length,
      samples: options.samples,
      temperature: options.temperature,
      passAtK,
      passed: [...tally.values()].reduce((s, t) => s + t.passed, 0),
      evaluated,
      errors,
      resumedSamples,
      usage: meter.byModel(),
      seconds: Math.round(seconds * 1000) / 1000,
      itemsPerSecond: seconds > 0 ? Math.round((itemsDoneHere / seconds) * 1000) / 1000 : 0,
    };
    writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify({ ...summary, config: redactConfigSecrets(config) }, null, 2)}\n`);
    if (failure) throw failure;
    return summary;
  });
}

/** Refuse a directory whose results.jsonl holds results of another evaluation (its evaluation.json says which). */
function checkIdentity(outDir: string, identity: EvaluationIdentity): void {
  const file = join(outDir, 'evaluation.json');
  const results = join(outDir, 'results.jsonl');
  if (existsSync(file) && existsSync(results) && readFileSync(results, 'utf8').trim()) {
    let previous: Partial<EvaluationIdentity> = {};
    try {
      previous = JSON.parse(readFileSync(file, 'utf8')) as Partial<EvaluationIdentity>;
    } catch {
      // unreadable: rewritten once start-up passed; results.jsonl itself is checked line by line
    }
    const differs = (Object.keys(identity) as (keyof EvaluationIdentity)[]).filter((k) => previous[k] !== undefined && previous[k] !== identity[k]);
    if (differs.length) {
      throw new ConfigError(`${outDir} holds an evaluation with another ${differs.map((k) => `${k} (${String(previous[k])}, now ${String(identity[k])})`).join(', ')}`, {
        code: 'CONFIG_RUN_MISMATCH',
        hint: `use another --out; point --cache-dir at ${join(outDir, 'cache')} to reuse its LLM calls`,
      });
    }
  }
}

/** The summary as printed after `instructsmith evaluate`. */
export function formatEvaluation(summary: EvaluationSummary, outDir: string): string[] {
  const lines = [
    `evaluation ${summary.status}: ${summary.benchmark}, ${summary.model}, ${summary.itemsDone}/${summary.items} items x ${summary.samples} samples (temperature ${summary.temperature})`,
    ...Object.entries(summary.passAtK).map(([k, v]) => `  ${k.padEnd(9)} ${v.toFixed(4)}`),
    `  passed    ${summary.passed} of ${summary.evaluated} samples${summary.resumedSamples ? ` (${summary.resumedSamples} from the earlier run)` : ''}`,
  ];
  const errors = Object.entries(summary.errors).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  if (errors) lines.push(`  failures  ${errors}`);
  for (const [m, u] of Object.entries(summary.usage)) lines.push(`  ${m}: ${u.calls} calls (${u.cachedCalls} cached), ${u.promptTokens} prompt + ${u.completionTokens} completion tokens`);
  lines.push(`  ${summary.itemsPerSecond} items/s over ${summary.seconds} s`, `  wrote ${join(outDir, 'results.jsonl')}, ${join(outDir, 'summary.json')}`);
  return lines;
}
