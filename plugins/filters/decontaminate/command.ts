import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, InstructsmithError, type PluginCommand } from '../../../core/index.js';
import { FilterOutput, formatSummary, outputDir, readDataset } from '../dataset-io.js';
import { benchmarkCacheDir, FORMATS, type BenchmarkSpec } from './benchmarks.js';
import { createDecontaminator, describeFinding } from './decontaminator.js';
import { decontaminateOptions } from './options.js';

/** Public files `--fetch NAME` downloads (only when asked; nothing else touches the network). */
export const FETCHABLE: Record<string, { url: string; file: string; format: BenchmarkSpec['format'] }> = {
  humaneval: { url: 'https://github.com/openai/human-eval/raw/master/data/HumanEval.jsonl.gz', file: 'humaneval.jsonl.gz', format: 'humaneval' },
  mbpp: { url: 'https://raw.githubusercontent.com/google-research/google-research/master/mbpp/mbpp.jsonl', file: 'mbpp.jsonl', format: 'mbpp' },
};

/**
 * `instructsmith decontaminate FILE --benchmark FORMAT:PATH ...`, contributed by
 * filter:decontaminate: the same check over any dataset file. Writes kept.jsonl, removed.jsonl (each
 * line with `removed: {line, category, reason, benchmark, item, field, span, where}`) and summary.json.
 * `--fetch NAME` downloads a benchmark's public file into the user cache (the only network use).
 */
export const decontaminateCommand: PluginCommand = {
  name: 'decontaminate',
  description: 'remove samples containing benchmark prompts or solutions from a dataset file (JSONL)',
  arguments: [{ name: '[file]', description: 'samples.jsonl of a run, or a messages / sharegpt / alpaca JSONL (.gz too)' }],
  options: [
    { flags: '-b, --benchmark <format:path...>', description: `benchmark files, format one of ${[...Object.keys(FORMATS), 'jsonl'].join(', ')} (default: the fetched ones in the user cache)` },
    { flags: '--fields <map>', description: 'field mapping for jsonl benchmarks: id=FIELD,prompts=F1+F2,solutions=F3' },
    { flags: '-o, --out <dir>', description: 'output folder (default: <file>.decontaminate/ beside the file)' },
    { flags: '--min-chars <n>', description: 'shortest benchmark text the substring test looks for', default: '30' },
    { flags: '--n <n>', description: 'n of the n-gram test', default: '13' },
    { flags: '--threshold <share>', description: "share of a benchmark text's n-grams that makes a match", default: '0.5' },
    { flags: '--no-substring', description: 'turn the substring test off' },
    { flags: '--no-ngram', description: 'turn the n-gram test off' },
    { flags: '--fetch <name>', description: `download a benchmark into ${benchmarkCacheDir()} (${Object.keys(FETCHABLE).join(', ')})` },
  ],
  examples: ['instructsmith decontaminate runs/demo/samples.jsonl --benchmark humaneval:HumanEval.jsonl.gz mbpp:mbpp.jsonl', 'instructsmith decontaminate --fetch humaneval'],
  async run([file], flags, io) {
    if (typeof flags.fetch === 'string') {
      await fetchBenchmark(flags.fetch, io.out);
      if (!file) return 0;
    }
    if (!file) throw new ConfigError('decontaminate: give a dataset FILE (or --fetch NAME)', { code: 'USAGE', hint: 'instructsmith decontaminate samples.jsonl --benchmark humaneval:HumanEval.jsonl.gz' });
    const benchmarks = benchmarkSpecs(flags.benchmark, flags.fields);
    const parsed = decontaminateOptions.safeParse({
      benchmarks,
      substring: flags.substring !== false,
      ngram: flags.ngram !== false,
      minChars: Number(flags.minChars),
      n: Number(flags.n),
      threshold: Number(flags.threshold),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(`decontaminate: ${issue.path.join('.')}: ${issue.message}`, { code: 'USAGE', hint: 'see instructsmith decontaminate --help' });
    }
    const d = createDecontaminator(parsed.data);
    if (d.loaded.length === 0) throw new ConfigError('decontaminate: no benchmark file found', { code: 'USAGE', hint: 'pass --benchmark FORMAT:PATH, or run instructsmith decontaminate --fetch humaneval first' });
    const dir = outputDir(file, 'decontaminate', flags.out);
    const out = new FilterOutput(dir);
    for await (const row of readDataset(file)) {
      const f = d.check(row);
      if (f) out.remove(row, `benchmark_${f.method}`, describeFinding(f), { ...f });
      else out.keep(row);
    }
    const summary = await out.close({ command: 'decontaminate', input: file, benchmarks: d.loaded, options: { ...parsed.data, benchmarks: undefined } });
    io.out(formatSummary('decontaminate', summary as never, dir));
  },
};

function benchmarkSpecs(values: unknown, fields: unknown): BenchmarkSpec[] {
  const list = Array.isArray(values) ? values.map(String) : typeof values === 'string' ? [values] : [];
  if (list.length === 0) {
    return Object.values(FETCHABLE)
      .filter((f) => existsSync(join(benchmarkCacheDir(), f.file)))
      .map((f) => ({ path: `cache:${f.file}`, format: f.format, required: true }));
  }
  return list.map((v) => {
    const m = /^([a-z0-9]+):(.+)$/.exec(v);
    const format = m && (m[1] === 'jsonl' || m[1]! in FORMATS) ? (m[1] as BenchmarkSpec['format']) : undefined;
    if (!format) throw new ConfigError(`--benchmark ${v}: expected FORMAT:PATH`, { code: 'USAGE', hint: `FORMAT is one of ${[...Object.keys(FORMATS), 'jsonl'].join(', ')}, e.g. humaneval:HumanEval.jsonl.gz` });
    return { path: m![2]!, format, required: true, ...(format === 'jsonl' || fields ? { fields: fieldMap(fields) } : {}) };
  });
}

function fieldMap(v: unknown): BenchmarkSpec['fields'] {
  if (typeof v !== 'string') throw new ConfigError('a jsonl benchmark needs --fields', { code: 'USAGE', hint: 'e.g. --fields id=task_id,prompts=question,solutions=answer' });
  const out: Record<string, unknown> = {};
  for (const part of v.split(',')) {
    const [k, val] = part.split('=');
    if (!val || !['id', 'prompts', 'solutions'].includes(k!)) throw new ConfigError(`--fields: cannot read "${part}"`, { code: 'USAGE', hint: 'id=FIELD,prompts=F1+F2,solutions=F3' });
    out[k!] = k === 'id' ? val : val.split('+');
  }
  return out as BenchmarkSpec['fields'];
}

async function fetchBenchmark(name: string, out: (t: string) => void): Promise<void> {
  const f = FETCHABLE[name];
  if (!f) throw new ConfigError(`--fetch ${name}: unknown benchmark`, { code: 'USAGE', hint: `known: ${Object.keys(FETCHABLE).join(', ')}; others: download the file and pass --benchmark FORMAT:PATH` });
  const res = await fetch(f.url).catch((err: Error) => {
    throw new InstructsmithError('FETCH_FAILED', `--fetch ${name}: ${f.url} unreachable: ${err.message}`, { hint: 'check the network, or download the file yourself and pass --benchmark' });
  });
  if (!res.ok) throw new InstructsmithError('FETCH_FAILED', `--fetch ${name}: ${f.url} answered HTTP ${res.status}`, { hint: 'download the file yourself and pass --benchmark' });
  const dir = benchmarkCacheDir();
  mkdirSync(dir, { recursive: true });
  const target = join(dir, f.file);
  writeFileSync(`${target}.part`, Buffer.from(await res.arrayBuffer()));
  renameSync(`${target}.part`, target);
  out(`fetched ${name} → ${target}\n`);
}
