import { resolve } from 'node:path';
import type { Command } from 'commander';
import { positiveInt } from './flags.js';
import { builtinPlugins, implicitPlugins } from '../../plugins/index.js';
import { loadConfig } from '../../core/config/load.js';
import type { ConfigInput } from '../../core/config/schema.js';
import { ConfigError } from '../../core/errors.js';
import { stderrLogger } from '../../core/runner/host.js';
import { runPipeline } from '../../core/runner/runner.js';
import { dryRun, formatDryRun } from '../../core/runner/dry-run.js';
import { createProgress, type Prices, type ProgressMode } from '../progress.js';
import { formatSummary } from '../summary.js';
import { queuedSeedProcessor } from '../queue/coordinator.js';

interface RunFlags {
  preset?: string;
  seeds?: string;
  pool?: string;
  model?: string;
  baseUrl?: string;
  out?: string;
  limit?: number;
  target?: number;
  concurrency?: number;
  maxConcurrency?: number;
  dryRun?: boolean;
  config?: string;
  cacheDir?: string;
  batch?: boolean;
  queue?: string;
  progress: boolean;
}

/** `instructsmith run`: run a preset (or a config file) over seeds. */
export function register(program: Command): void {
  program
    .command('run')
    .description('run a pipeline over real code and write kept samples, rejects and run.json to the run directory')
    .option('-p, --preset <name>', 'preset to run (see `instructsmith presets`) or a path to a preset YAML')
    .option('-s, --seeds <path>', 'a directory of source code, a source file, or a .jsonl/.jsonl.gz dataset')
    .option('--pool <path>', 'for presets that select from a pool of instruction data (infinity-instruct): a .jsonl, .jsonl.gz or .parquet file or a folder of them; the same as --seeds')
    .option('-m, --model <provider:model>', 'default model, e.g. ollama:qwen2.5-coder:7b or openai:gpt-4o')
    .option('--base-url <url>', 'endpoint of the default model (vLLM, SGLang, llama.cpp, LM Studio: http://host:8000/v1; Ollama: http://host:11434)')
    .option('-o, --out <dir>', 'run directory (default: runs/<preset>); running again with the same directory resumes')
    .option('--limit <n>', 'process at most N seeds', positiveInt('--limit'))
    .option('--target <n>', 'kept samples to aim for: population-growing strategies (genetic-instruct) stop there, and no further pass starts once reached', positiveInt('--target'))
    .option('--concurrency <n>', 'seeds in flight at least (more while the model has idle call slots, up to --max-concurrency)', positiveInt('--concurrency'))
    .option('--max-concurrency <n>', 'seeds in flight at most (default 4 x llm.concurrency; equal to --concurrency for a fixed window)', positiveInt('--max-concurrency'))
    .option('--dry-run', 'render the first prompts and estimate calls and tokens without calling any model')
    .option('-c, --config <file>', 'config file (default: instructsmith.config.* / .instructsmithrc* / package.json "instructsmith" in the current directory)')
    .option('--cache-dir <dir>', 'LLM request cache directory (default: <out>/cache)')
    .option('--batch', "send the LLM calls through the provider's batch API (openai provider only; llm.batch sets size, pollMs, maxWaitMs); a resumed run polls the open batches")
    .option('--queue <url>', 'process seeds on `instructsmith worker`s through this Redis (redis://host:6379); this process reads, filters and writes')
    .option('--no-progress', 'no progress display even on a terminal')
    .addHelpText(
      'after',
      `
Examples:
  instructsmith run --preset infinite-instruct --seeds ./src --model ollama:qwen2.5-coder:7b
  instructsmith run --preset infinity-instruct --pool pool.jsonl.gz --model ollama:qwen2.5-coder:7b
  instructsmith run --preset infinite-instruct --seeds data.jsonl --model openai:Qwen/Qwen2.5-Coder-7B-Instruct --base-url http://localhost:8000/v1
Environment: OPENAI_API_KEY, OPENAI_BASE_URL, OLLAMA_HOST (read at call time, never logged).`,
    )
    .action(async (flags: RunFlags) => {
      if (flags.pool && flags.seeds) throw new ConfigError('--pool and --seeds name the same input: give one of them', { code: 'USAGE', hint: '--pool for a pool of instruction data, --seeds for code or seed datasets' });
      const overrides: ConfigInput = {
        preset: flags.preset,
        seeds: flags.seeds ?? flags.pool,
        model: flags.model,
        baseUrl: flags.baseUrl,
        out: flags.out,
        limit: flags.limit,
        target: flags.target,
        concurrency: flags.concurrency,
        maxConcurrency: flags.maxConcurrency,
        ...(flags.batch ? { llm: { batch: { enabled: true } } } : {}),
        ...(flags.cacheDir ? { cache: { dir: resolve(flags.cacheDir), enabled: true } } : {}),
      };
      const { config } = await loadConfig({ cwd: process.cwd(), configFile: flags.config, overrides });
      if (!config.out) config.out = resolve('runs', config.name ?? config.preset ?? 'run');
      const interactive = Boolean(process.stderr.isTTY) && !process.env.CI && flags.progress;
      const mode: ProgressMode = interactive ? 'tty' : process.env.CI && flags.progress ? 'lines' : 'off';
      const progress = createProgress(mode, { prices: reporterPrices(config.plugins) });
      // While the bars are shown, log lines (the run's and every plugin's) are written above them.
      const log = progress.logger(stderrLogger(!interactive && Boolean(process.env.CI)));

      if (flags.dryRun) {
        const report = await dryRun({ config, builtins: builtinPlugins, implicit: implicitPlugins, log });
        process.stdout.write(formatDryRun(report));
        return;
      }
      if (!config.model && !hasPluginModels(config.plugins)) {
        throw new ConfigError('no model: pass --model provider:model (e.g. ollama:qwen2.5-coder:7b) or set `model` in the config', { hint: 'see `instructsmith run --help`' });
      }

      const seedProcessor = flags.queue ? queuedSeedProcessor(flags.queue) : undefined;
      const controller = new AbortController();
      let interrupts = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        interrupts += 1;
        if (interrupts > 1) process.exit(130);
        log.warn(`${sig}: finishing the seeds in flight and saving a checkpoint (again to quit at once); run the same command to resume`);
        controller.abort(new Error(sig));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const result = await runPipeline({ config, builtins: builtinPlugins, implicit: implicitPlugins, log, onProgress: (p) => progress.update(p), signal: controller.signal, seedProcessor });
        progress.stop();
        process.stdout.write(formatSummary(result));
        if (result.status === 'interrupted') process.exitCode = 130;
      } finally {
        progress.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}


/** Model prices the report uses (reporter:html's `prices`), so the progress display can show cost too. */
function reporterPrices(plugins: Record<string, unknown>): Prices | undefined {
  const o = plugins['reporter:html'];
  return o && typeof o === 'object' ? ((o as { prices?: Prices }).prices ?? undefined) : undefined;
}

function hasPluginModels(plugins: Record<string, unknown>): boolean {
  return Object.values(plugins).some((o) => o && typeof o === 'object' && typeof (o as { model?: unknown }).model === 'string');
}
