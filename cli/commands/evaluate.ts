import { resolve } from 'node:path';
import type { Command } from 'commander';
import { builtinPlugins, implicitPlugins } from '../../plugins/index.js';
import { createCodeBenchmarkTask, type EvaluationFormat } from '../../plugins/evaluators/code/index.js';
import { loadConfig } from '../../core/config/load.js';
import { ConfigError } from '../../core/errors.js';
import { stderrLogger } from '../../core/runner/host.js';
import { formatEvaluation, runEvaluation } from '../../core/runner/evaluation-run.js';
import { positiveInt } from './flags.js';

interface EvaluateFlags {
  model?: string;
  benchmark?: string;
  out?: string;
  format?: string;
  fields?: string;
  samples: number;
  k?: string;
  temperature?: string;
  maxTokens: number;
  limit?: number;
  concurrency?: number;
  baseUrl?: string;
  config?: string;
  cacheDir?: string;
}

const FORMATS = ['humaneval', 'mbpp', 'jsonl'] as const;

/**
 * Sampling temperature when none is given: greedy (0) for one sample; 0.8 for several, the best
 * temperature for pass@100 in Chen et al. 2021 (section 3.2, figure 5).
 */
function defaultTemperature(samples: number): number {
  return samples === 1 ? 0 : 0.8;
}

/** `instructsmith evaluate`: a target model on a code benchmark with executable tests, pass@k. */
export function register(program: Command): void {
  program
    .command('evaluate')
    .description('run a model on a code benchmark with executable tests (HumanEval, MBPP, any JSONL) in the sandbox and report pass@k')
    .option('-m, --model <provider:model>', 'the model to evaluate')
    .option('-b, --benchmark <file>', 'benchmark file (.jsonl, .jsonl.gz, .json)')
    .option('-o, --out <dir>', 'output directory: results.jsonl, summary.json, cache/ (default: evals/<benchmark>)')
    .option('-f, --format <format>', `benchmark format: ${FORMATS.join(', ')} (default: from the file name, else jsonl)`)
    .option('--fields <map>', 'field mapping (jsonl; overrides a format key by key): prompt=FIELD,tests=FIELD,entry=FIELD,setup=FIELD,id=FIELD')
    .option('-n, --samples <n>', 'samples per item (n of pass@k)', positiveInt('--samples'), 1)
    .option('--k <list>', 'k of pass@k, comma-separated (those above --samples are left out)', '1,10,100')
    .option('-t, --temperature <t>', 'sampling temperature (default 0 for one sample, 0.8 for several)')
    .option('--max-tokens <n>', 'completion-token cap per call', positiveInt('--max-tokens'), 2048)
    .option('--limit <n>', 'evaluate the first N items only', positiveInt('--limit'))
    .option('--concurrency <n>', 'samples in flight (LLM call, then execution)', positiveInt('--concurrency'))
    .option('--base-url <url>', 'endpoint of the model')
    .option('-c, --config <file>', 'config file (llm settings, executor:sandbox options; as for `run`)')
    .option('--cache-dir <dir>', 'LLM request cache directory (default: <out>/cache)')
    .addHelpText(
      'after',
      `
Examples:
  instructsmith evaluate --model ollama:qwen2.5-coder:7b --benchmark HumanEval.jsonl.gz --out evals/he
  instructsmith evaluate --model openai:gpt-4o-mini --benchmark mbpp.jsonl --format mbpp --samples 10 --k 1,5,10
  instructsmith evaluate --model openai:m --benchmark tasks.jsonl --fields prompt=question,tests=test,entry=entry_point
results.jsonl lines: { task_id, sample, completion, passed, error: { kind, type, message, stderrTail } | null, durationMs }.
Run the same command again after an interruption: finished samples are kept, the LLM cache answers repeated calls.`,
    )
    .action(async (flags: EvaluateFlags) => {
      if (!flags.benchmark) throw new ConfigError('evaluate: give the benchmark file with --benchmark FILE', { code: 'USAGE', hint: 'e.g. --benchmark HumanEval.jsonl.gz' });
      const format = (flags.format ?? (/humaneval/i.test(flags.benchmark) ? 'humaneval' : /mbpp/i.test(flags.benchmark) ? 'mbpp' : 'jsonl')) as EvaluationFormat;
      if (!FORMATS.includes(format)) throw new ConfigError(`--format expects one of ${FORMATS.join(', ')}, got "${flags.format}"`, { code: 'USAGE', hint: 'e.g. --format mbpp' });
      const ks = (flags.k ?? '1').split(',').map((s) => positiveInt('--k')(s.trim()));
      const temperature = flags.temperature === undefined ? defaultTemperature(flags.samples) : Number(flags.temperature);
      if (!Number.isFinite(temperature) || temperature < 0 || temperature > 2) throw new ConfigError(`--temperature expects a number from 0 to 2, got "${flags.temperature}"`, { code: 'USAGE', hint: 'e.g. --temperature 0.2' });
      const task = createCodeBenchmarkTask({ path: flags.benchmark, format, fields: flags.fields });
      const { config } = await loadConfig({
        cwd: process.cwd(),
        configFile: flags.config,
        overrides: { model: flags.model, baseUrl: flags.baseUrl, out: flags.out, limit: flags.limit, concurrency: flags.concurrency, ...(flags.cacheDir ? { cache: { dir: resolve(flags.cacheDir), enabled: true } } : {}) },
      });
      if (!config.out) config.out = resolve('evals', task.name);
      // The completions run in the sandbox unless the config names its own executor.
      if (!Object.keys(config.plugins).some((k) => k.startsWith('executor:'))) config.plugins['executor:sandbox'] = { languages: ['python'] };
      const log = stderrLogger(false);
      const step = Math.max(1, Math.ceil(Math.min(task.items.length, config.limit ?? Infinity) / 20));
      const controller = new AbortController();
      const onSignal = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const summary = await runEvaluation({
          config,
          task,
          samples: flags.samples,
          ks,
          temperature,
          maxTokens: flags.maxTokens,
          builtins: builtinPlugins,
          implicit: implicitPlugins,
          log,
          signal: controller.signal,
          onProgress: (p) => {
            if (p.itemsDone % step === 0 || p.itemsDone === p.items) process.stderr.write(`progress: ${p.itemsDone}/${p.items} items, pass@1 ${p.passAt1.toFixed(4)}\n`);
          },
        });
        process.stdout.write(`${formatEvaluation(summary, resolve(config.out)).join('\n')}\n`);
        if (summary.status !== 'complete') process.exitCode = 130;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
