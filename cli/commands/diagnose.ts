import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { builtinPlugins, implicitPlugins } from '../../plugins/index.js';
import { diagnoseEvaluation, writeDiagnosis } from '../../plugins/evaluators/diagnosis/diagnose.js';
import type { Diagnosis } from '../../plugins/evaluators/diagnosis/types.js';
import { parseFields, type EvaluationFormat } from '../../plugins/evaluators/code/index.js';
import { loadConfig } from '../../core/config/load.js';
import type { ResolvedConfig } from '../../core/config/schema.js';
import { createPluginContext } from '../../core/context.js';
import { ConfigError } from '../../core/errors.js';
import { startPlugins, stderrLogger } from '../../core/runner/host.js';
import { withRunDirLock } from '../../core/runner/run-dir.js';
import { llmSettings, runPipeline } from '../../core/runner/runner.js';
import { formatSummary } from '../summary.js';
import { positiveInt } from './flags.js';

interface DiagnoseFlags {
  out?: string;
  model?: string;
  baseUrl?: string;
  top?: number;
  perDeficiency?: number;
  concurrency?: number;
  format?: string;
  fields?: string;
  config?: string;
  cacheDir?: string;
  synthesis: boolean;
}

/** The preset of the targeted run. */
const PRESET = 'infinity-diagnose';

/**
 * `instructsmith diagnose EVAL_DIR`: Infinity Instruct's model-deficiency diagnosis of an
 * `instructsmith evaluate` directory (EVAL_DIR/diagnosis.json and diagnosis.md, LLM calls cached in
 * EVAL_DIR/cache), then the targeted run (preset infinity-diagnose over that diagnosis.json, through
 * the runner like `instructsmith run`, decontaminated against the diagnosed benchmark), then
 * diagnosis.md again with the targeted samples kept and rejected per deficiency.
 */
export function register(program: Command): void {
  program
    .command('diagnose')
    .description("find a model's weak abilities from its failures in an evaluation directory (Infinity Instruct's deficiency diagnosis), then synthesise instructions aimed at them")
    .argument('<evalDir>', 'directory written by instructsmith evaluate')
    .option('-o, --out <dir>', 'run directory of the targeted synthesis (default: <evalDir>/targeted)')
    .option('-m, --model <provider:model>', 'the model that diagnoses, tags and writes the targeted instructions (not the evaluated one)')
    .option('--base-url <url>', 'endpoint of that model')
    .option('--top <n>', 'target the N highest-ranked weak abilities (seed:deficiencies top)', positiveInt('--top'))
    .option('--per-deficiency <n>', 'instructions for the top weak ability; the others in proportion to their failures (strategy:targeted perDeficiency)', positiveInt('--per-deficiency'))
    .option('--concurrency <n>', 'diagnosis calls and targeted seeds in flight', positiveInt('--concurrency'))
    .option('-f, --format <format>', 'benchmark reader, as given to evaluate (default: from the evaluation: humaneval, mbpp)')
    .option('--fields <map>', 'field mapping of a jsonl benchmark, as given to evaluate')
    .option('-c, --config <file>', 'config file (llm settings, plugin options; as for `run`)')
    .option('--cache-dir <dir>', 'LLM request cache directory (default: <evalDir>/cache for the diagnosis, <out>/cache for the targeted run)')
    .option('--no-synthesis', 'write the diagnosis only')
    .addHelpText(
      'after',
      `
Examples:
  instructsmith evaluate --model ollama:qwen2.5-coder:7b --benchmark HumanEval.jsonl.gz --out evals/he
  instructsmith diagnose evals/he --model openai:gpt-4o-mini --top 5
Writes <evalDir>/diagnosis.json (ranked weak abilities with counts and evidence ids, pass@1 per level-2 tag),
<evalDir>/diagnosis.md, and the targeted run in --out (samples.jsonl, rejected.jsonl, run.json).`,
    )
    .action(async (evalDirArg: string, flags: DiagnoseFlags) => {
      const evalDir = resolve(evalDirArg);
      if (!existsSync(join(evalDir, 'evaluation.json'))) throw new ConfigError(`${evalDir} is not an evaluation directory (no evaluation.json)`, { code: 'USAGE', hint: 'run instructsmith evaluate --out DIR first, then diagnose DIR' });
      const format = flags.format as EvaluationFormat | undefined;
      if (format && !['humaneval', 'mbpp', 'jsonl'].includes(format)) throw new ConfigError(`--format expects one of humaneval, mbpp, jsonl, got "${format}"`, { code: 'USAGE', hint: 'e.g. --format mbpp' });
      const plugins: Record<string, Record<string, unknown>> = {};
      if (flags.top !== undefined) plugins['seed:deficiencies'] = { top: flags.top };
      if (flags.perDeficiency !== undefined) plugins['strategy:targeted'] = { perDeficiency: flags.perDeficiency };
      const { config } = await loadConfig({
        cwd: process.cwd(),
        configFile: flags.config,
        overrides: {
          preset: PRESET,
          seeds: join(evalDir, 'diagnosis.json'),
          model: flags.model,
          baseUrl: flags.baseUrl,
          out: flags.out ?? join(evalDir, 'targeted'),
          concurrency: flags.concurrency,
          plugins,
          ...(flags.cacheDir ? { cache: { dir: resolve(flags.cacheDir), enabled: true } } : {}),
        },
      });
      if (!config.model) throw new ConfigError('no model: pass --model provider:model (the model that diagnoses and writes the targeted instructions)', { code: 'USAGE', hint: 'e.g. --model openai:gpt-4o-mini' });
      const log = stderrLogger(false);
      const controller = new AbortController();
      const onSignal = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const diagnosis = await runDiagnosis(config, evalDir, { format, fields: flags.fields, concurrency: flags.concurrency ?? 8, signal: controller.signal, log });
        process.stdout.write(`${formatDiagnosis(diagnosis, evalDir).join('\n')}\n`);
        if (!flags.synthesis || controller.signal.aborted) return;
        addDiagnosedBenchmark(config, diagnosis);
        const result = await runPipeline({ config, builtins: builtinPlugins, implicit: implicitPlugins, log, signal: controller.signal });
        process.stdout.write(formatSummary(result));
        if (result.status === 'interrupted') {
          process.exitCode = 130;
          return;
        }
        diagnosis.targeted = { runDir: result.runDir, counts: targetedCounts(result.runDir) };
        writeDiagnosis(evalDir, diagnosis);
        for (const d of diagnosis.deficiencies.filter((x) => diagnosis.targeted!.counts[x.key])) {
          const c = diagnosis.targeted.counts[d.key]!;
          process.stdout.write(`  targeted #${d.rank} ${d.ability}: ${c.kept} kept, ${c.rejected} rejected\n`);
        }
        process.stdout.write(`  wrote ${join(evalDir, 'diagnosis.md')}\n`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/** The diagnosis with the config's providers and LLM settings; its calls are cached in EVAL_DIR/cache unless `cache.dir` is set. */
async function runDiagnosis(config: ResolvedConfig, evalDir: string, opts: { format?: EvaluationFormat; fields?: string; concurrency: number; signal: AbortSignal; log: ReturnType<typeof stderrLogger> }): Promise<Diagnosis> {
  return withRunDirLock(evalDir, async () => {
    // Only the providers: the diagnosis makes LLM calls, nothing else of the config applies to it.
    const providers = Object.fromEntries(Object.entries(config.plugins).filter(([k]) => k.startsWith('provider:')));
    const { hooks, llm, templates } = await startPlugins({
      config: { ...config, plugins: providers },
      dir: evalDir,
      builtins: builtinPlugins,
      implicit: implicitPlugins.filter((p) => p.name.startsWith('provider:')),
      log: opts.log,
      settings: llmSettings(config, evalDir),
      signal: opts.signal,
    });
    const parts = { hooks, llm, templates, log: opts.log, run: { dir: evalDir, dryRun: false, config } };
    return diagnoseEvaluation(createPluginContext('diagnose', parts), evalDir, { concurrency: opts.concurrency, maxTags: 6, ...(opts.format ? { format: opts.format } : {}), ...(opts.fields ? { fields: opts.fields } : {}) });
  });
}

/** Name the diagnosed benchmark file (required) among filter:decontaminate's benchmarks: the targeted instructions saw its prompts. */
function addDiagnosedBenchmark(config: ResolvedConfig, d: Diagnosis): void {
  const current = (config.plugins['filter:decontaminate'] ?? {}) as { benchmarks?: unknown[] };
  const spec =
    d.format === 'jsonl'
      ? (() => {
          const f = parseFields('jsonl', d.fields);
          return { name: d.benchmark, format: 'jsonl', path: d.file, fields: { id: f.id ?? 'task_id', prompts: f.prompt, solutions: f.solution ? [f.solution] : [] } };
        })()
      : { name: d.benchmark, format: d.format, path: d.file };
  config.plugins['filter:decontaminate'] = { ...current, benchmarks: [...(current.benchmarks ?? []), { ...spec, required: true }] };
}

/** Kept (samples.jsonl) and rejected (rejected.jsonl) targeted records per deficiency key, from their lineage. */
export function targetedCounts(runDir: string): Record<string, { kept: number; rejected: number }> {
  const counts: Record<string, { kept: number; rejected: number }> = {};
  for (const [file, field] of [['samples.jsonl', 'kept'], ['rejected.jsonl', 'rejected']] as const) {
    const path = join(runDir, file);
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const key = (JSON.parse(line) as { lineage?: { details?: { deficiency?: unknown } } }).lineage?.details?.deficiency;
      if (typeof key !== 'string') continue;
      const c = (counts[key] ??= { kept: 0, rejected: 0 });
      c[field]++;
    }
  }
  return counts;
}

function formatDiagnosis(d: Diagnosis, evalDir: string): string[] {
  return [
    `diagnosis of ${d.model} on ${d.benchmark}: ${d.items} items, pass@1 ${d.passAt1.toFixed(4)}, ${d.failed} failed (${d.undiagnosed} undiagnosed), by ${d.diagnosedBy}`,
    ...d.deficiencies.slice(0, 10).map((x) => `  #${x.rank} ${x.ability} (${x.categories.slice(0, 2).join(', ')}): ${x.count} failures: ${x.evidence.slice(0, 6).join(', ')}${x.evidence.length > 6 ? ', ...' : ''}`),
    `  wrote ${join(evalDir, 'diagnosis.json')}, ${join(evalDir, 'diagnosis.md')}`,
  ];
}
