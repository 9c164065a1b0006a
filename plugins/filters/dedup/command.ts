import { ConfigError, type PluginCommand } from '../../../core/index.js';
import { FilterOutput, formatSummary, outputDir, readDataset } from '../dataset-io.js';
import { Deduplicator, describeMatch } from './deduplicator.js';
import { dedupOptions } from './options.js';

/**
 * `instructsmith dedup FILE`, contributed by filter:dedup: the same exact + near-duplicate filter
 * over any dataset file, in file order (first of a group kept). Writes kept.jsonl, removed.jsonl
 * (each line with `removed: {line, category, reason, of, similarity}`) and summary.json.
 */
export const dedupCommand: PluginCommand = {
  name: 'dedup',
  description: 'remove exact and near-duplicate samples from a dataset file (JSONL)',
  arguments: [{ name: '<file>', description: 'samples.jsonl of a run, or a messages / sharegpt / alpaca JSONL (.gz too)' }],
  options: [
    { flags: '-o, --out <dir>', description: 'output folder (default: <file>.dedup/ beside the file)' },
    { flags: '--exact <scope>', description: 'exact-duplicate scope: pair, instruction, response or off', default: 'pair' },
    { flags: '--near <scope>', description: 'near-duplicate scope: instruction, response, pair or off', default: 'instruction' },
    { flags: '--threshold <j>', description: 'Jaccard threshold of near-duplicates', default: '0.7' },
    { flags: '--num-perm <n>', description: 'MinHash permutations', default: '120' },
    { flags: '--bands <n>', description: 'LSH bands', default: '20' },
    { flags: '--shingle <n>', description: 'word tokens per shingle', default: '5' },
  ],
  examples: ['instructsmith dedup runs/demo/samples.jsonl --near pair --threshold 0.8'],
  async run([file], flags, io) {
    const parsed = dedupOptions.safeParse({
      exact: flags.exact,
      near: flags.near,
      threshold: Number(flags.threshold),
      numPerm: Number(flags.numPerm),
      bands: Number(flags.bands),
      shingle: Number(flags.shingle),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(`dedup: --${String(issue.path[0] ?? 'options')}: ${issue.message}`, { code: 'USAGE', hint: 'see instructsmith dedup --help' });
    }
    const dir = outputDir(file!, 'dedup', flags.out);
    const index = new Deduplicator(parsed.data, dir);
    const out = new FilterOutput(dir);
    for await (const row of readDataset(file!)) {
      const p = index.prepare(row);
      const m = index.find(p);
      if (m) out.remove(row, `${m.kind}_duplicate`, describeMatch(m, parsed.data.threshold), { of: m.of, similarity: m.similarity, scope: m.scope });
      else {
        index.add(p);
        out.keep(row);
      }
    }
    index.close();
    const summary = await out.close({ command: 'dedup', input: file, options: parsed.data });
    io.out(formatSummary('dedup', summary as never, dir));
  },
};
