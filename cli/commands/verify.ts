import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { positiveInt } from './flags.js';
import { parse as parseYaml } from 'yaml';
import { analyzers } from '../../plugins/analyzers/index.js';
import { ConfigError } from '../../core/errors.js';
import { createHooks } from '../../core/hooks.js';
import { applyPlugins, resolvePlugins, stderrLogger } from '../../core/runner/host.js';
import type { LlmClient } from '../../core/llm/types.js';
import { formatVerifyReport, verifyDataset } from '../../core/verify/verify-dataset.js';

interface VerifyFlags {
  out?: string;
  concurrency?: number;
  language?: string;
  options?: string;
  unhandled: 'error' | 'skip';
  missingTool: 'error' | 'skip';
  withoutCode: 'reject' | 'pass';
  batchSize?: number;
}

/**
 * `instructsmith verify DATASET.jsonl`: the static-verification gate over an existing dataset
 * (OpenAI messages, ShareGPT or Alpaca JSONL), with every built-in analyzer.
 */
export function register(program: Command): void {
  program
    .command('verify')
    .description('check the code in an existing dataset with the analyzers and write kept.jsonl, rejected.jsonl and report.json')
    .argument('<dataset>', 'a .jsonl or .jsonl.gz file in OpenAI messages, ShareGPT or Alpaca form')
    .option('-o, --out <dir>', 'output directory (default: <dataset name>.verify next to the dataset)')
    .option('--concurrency <n>', 'records in flight at once (default 256)', positiveInt('--concurrency'))
    .option('--language <id>', 'language of code blocks whose fence names none, for lines without a "language" field (e.g. python)')
    .option('--options <file>', 'YAML or JSON: { plugins: { "analyzer:python": {...} }, verify: {...} } (analyzer options and gate policy)')
    .option('--unhandled <mode>', 'a language no analyzer handles: skip (keep, unchecked) or error (stop)', choice('--unhandled', ['error', 'skip']), 'skip')
    .option('--missing-tool <mode>', 'an analyzer whose tool is not installed: error (stop) or skip that language', choice('--missing-tool', ['error', 'skip']), 'error')
    .option('--without-code <mode>', 'an answer with no code block: reject or pass', choice('--without-code', ['reject', 'pass']), 'reject')
    .option('--batch-size <n>', 'samples per analyzer process (default 64)', positiveInt('--batch-size'))
    .addHelpText(
      'after',
      `
Examples:
  instructsmith verify data/magicoder.jsonl --language python
  instructsmith verify sharegpt.jsonl.gz --out checked/ --missing-tool skip
Output lines are the input objects plus a "verify" field: { line, language, passed, checks, reason }.`,
    )
    .action(async (dataset: string, flags: VerifyFlags, command: Command) => {
      const input = resolve(dataset);
      const outDir = resolve(flags.out ?? join(dirname(input), `${basename(input).replace(/\.jsonl(\.gz)?$/, '')}.verify`));
      const file = flags.options ? await readOptions(resolve(flags.options)) : {};
      const log = stderrLogger(Boolean(process.env.CI));
      const hooks = createHooks();
      const configured = file.plugins ?? {};
      const names = new Set(Object.keys(configured));
      // Every built-in analyzer runs; the options file may configure any of them (or add third-party ones).
      const entries = await resolvePlugins(configured, analyzers, analyzers.filter((a) => !names.has(a.name)));
      const noLlm = (): LlmClient => {
        throw new ConfigError('analyzers used by `instructsmith verify` cannot call a model');
      };
      await applyPlugins({ hooks, llm: noLlm, templates: { render: () => '', chat: () => [] }, log, run: { dir: outDir, dryRun: false, config: { verify: file.verify ?? {} } } }, entries);
      // Precedence: flags given on the command line, then the options file, then the flags' defaults.
      const fromCli = (name: string) => command.getOptionValueSource(name) === 'cli';
      const flagPolicy = { unhandled: flags.unhandled, missingTool: flags.missingTool, noCode: flags.withoutCode, ...(flags.batchSize ? { batchSize: flags.batchSize } : {}) };
      const explicit = Object.fromEntries(
        Object.entries(flagPolicy).filter(([k]) => fromCli(k === 'noCode' ? 'withoutCode' : k)),
      );
      const policy = { ...flagPolicy, ...(file.verify ?? {}), ...explicit };
      const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
      const report = await verifyDataset({
        input,
        outDir,
        hooks,
        policy,
        concurrency: flags.concurrency,
        language: flags.language?.toLowerCase(),
        onProgress: tty ? (done, kept, rejected) => process.stderr.write(`\r${done} records: kept ${kept}, rejected ${rejected}`) : undefined,
      });
      if (tty) process.stderr.write('\n');
      process.stdout.write(formatVerifyReport(report));
    });
}

async function readOptions(path: string): Promise<{ plugins?: Record<string, unknown>; verify?: Record<string, unknown> }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ConfigError(`--options: cannot read ${path}`, { hint: 'pass a YAML or JSON file' });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`--options: ${path} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  const obj = value as Record<string, unknown>;
  const unknown = Object.keys(obj).filter((k) => k !== 'plugins' && k !== 'verify');
  if (typeof value !== 'object' || Array.isArray(value) || unknown.length) {
    throw new ConfigError(`--options: ${path}: expected an object with keys "plugins" and "verify"${unknown.length ? `, found unknown key "${unknown[0]}"` : ''}`, {
      code: 'CONFIG_UNKNOWN_KEY',
      hint: 'e.g. plugins: { "analyzer:python": { thirdParty: strict } }, verify: { batchSize: 32 }',
    });
  }
  return obj as { plugins?: Record<string, unknown>; verify?: Record<string, unknown> };
}


function choice<T extends string>(flag: string, values: readonly T[]) {
  return (value: string): T => {
    if (!values.includes(value as T)) throw new ConfigError(`${flag} expects one of ${values.join(', ')}, got "${value}"`, { code: 'USAGE' });
    return value as T;
  };
}
