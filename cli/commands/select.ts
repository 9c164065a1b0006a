import { resolve } from 'node:path';
import type { Command } from 'commander';
import { builtinPlugins, implicitPlugins } from '../../plugins/index.js';
import { loadConfig } from '../../core/config/load.js';
import { stderrLogger } from '../../core/runner/host.js';
import { formatSelection, runSelection } from '../../core/runner/selection-run.js';
import { positiveInt } from './flags.js';

/** The preset whose selectors run when neither a flag nor the config names one. */
const DEFAULT_PRESET = 'infinity-select';

interface SelectFlags {
  preset?: string;
  pool?: string;
  model?: string;
  baseUrl?: string;
  out?: string;
  limit?: number;
  config?: string;
  cacheDir?: string;
}

/** `instructsmith select`: a configuration's seed source and selectors over a pool, no synthesis. */
export function register(program: Command): void {
  program
    .command('select')
    .description('select from a pool of instruction data (dedup, rules, distribution matching, seed choice) and write selected.jsonl, rejected.jsonl and selection.json')
    .option('-p, --preset <name>', 'preset whose seed source and selectors to run (default: the config\'s preset, else infinity-select; see `instructsmith presets`)')
    .option('--pool <path>', 'the pool: a .jsonl, .jsonl.gz or .parquet file of OpenAI messages, ShareGPT or Alpaca rows, or a folder of them')
    .option('-m, --model <provider:model>', 'model for the selectors that call one (tagging, difficulty)')
    .option('--base-url <url>', 'endpoint of the model')
    .option('-o, --out <dir>', 'output directory (default: runs/<preset>-selection)')
    .option('--limit <n>', 'write at most N selected rows', positiveInt('--limit'))
    .option('-c, --config <file>', 'config file (as for `run`)')
    .option('--cache-dir <dir>', 'LLM request cache directory (default: <out>/cache)')
    .addHelpText(
      'after',
      `
Examples:
  instructsmith select --pool data/pool.jsonl.gz --model ollama:qwen2.5-coder:7b --out curated/
  instructsmith select --preset infinity-select --pool shards/ --model openai:gpt-4o-mini
selected.jsonl lines: { id, messages, label, language, source }; rejected.jsonl: { plugin, reason, category, seed }.`,
    )
    .action(async (flags: SelectFlags) => {
      const load = (preset: string | undefined) =>
        loadConfig({
          cwd: process.cwd(),
          configFile: flags.config,
          overrides: { preset, seeds: flags.pool, model: flags.model, baseUrl: flags.baseUrl, out: flags.out, limit: flags.limit, ...(flags.cacheDir ? { cache: { dir: resolve(flags.cacheDir), enabled: true } } : {}) },
        });
      let { config } = await load(flags.preset);
      // Neither the flag nor the config names a preset: the default selection, with the config's options on top.
      if (!config.preset) ({ config } = await load(DEFAULT_PRESET));
      if (!config.out) config.out = resolve('runs', `${config.name ?? config.preset ?? 'pool'}-selection`);
      const controller = new AbortController();
      const onSignal = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const result = await runSelection({ config, builtins: builtinPlugins, implicit: implicitPlugins, log: stderrLogger(Boolean(process.env.CI)), signal: controller.signal });
        const skipped = Object.entries(result.skipped).map(([k, v]) => `${k} ${v}`).join(', ');
        const status = result.interrupted ? 'interrupted (run the same command to redo it)' : result.summary.complete ? 'complete' : `stopped at --limit ${flags.limit}`;
        const lines = [`selection ${status}: ${result.outDir}`, ...formatSelection(result.summary)];
        if (skipped) lines.push(`  skipped by the reader: ${skipped}`);
        for (const [model, u] of Object.entries(result.usage)) lines.push(`  ${model}: ${u.calls} calls, ${u.promptTokens} prompt + ${u.completionTokens} completion tokens`);
        lines.push(`  wrote ${result.files.map((f) => f.slice(result.outDir.length + 1)).join(', ')}`);
        process.stdout.write(`${lines.join('\n')}\n`);
        if (result.interrupted) process.exitCode = 130;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
