import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { exporters, type ExportFormat } from '../../plugins/exporters/index.js';
import huggingfaceTokenizer from '../../plugins/tokenizers/huggingface.js';
import { trainers as trainerPlugins, TRAINER_FORMAT } from '../../plugins/trainers/index.js';
import { gradientAccumulation, LAUNCH_DEFAULTS } from '../../training/launch.js';
import { TRAINERS, type Trainer } from '../../training/schema.js';
import { exportRunDir } from '../../core/export/run-export.js';
import { openRunDir } from '../../core/export/run-dir.js';
import { stderrLogger, validateOptions } from '../../core/runner/host.js';

const FORMATS = Object.keys(exporters) as ExportFormat[];

/**
 * `instructsmith export RUN_DIR --format F[,F] [--trainer T|all] [--out DIR] ...`: write loss-masked
 * data (one folder per format, each with its dataset card) and a validated launch config per
 * trainer. A trainer adds the format it reads (axolotl: messages, llama-factory: sharegpt,
 * trl: tokenized). Prints the files and the launch commands (run them from the output folder).
 */
export function register(program: Command): void {
  program
    .command('export')
    .description('Write loss-masked SFT data and trainer launch configs from a finished run directory.')
    .argument('<run-dir>', 'run directory holding run.json and samples.jsonl')
    .option('--format <formats>', `comma-separated: ${FORMATS.join(', ')}`, list(FORMATS, 'format'))
    .addOption(new Option('--trainer <trainer>', 'write a launch config for this trainer').choices([...TRAINERS, 'all']))
    .option('--tokenizer <dir|qwen2.5>', 'tokenizer folder (tokenizer.json + tokenizer_config.json) or qwen2.5', 'qwen2.5')
    .option('--parquet', 'write the tokenized format as Parquet instead of JSONL')
    .option('--gpus <n>', 'GPUs of the training job', int('--gpus'), LAUNCH_DEFAULTS.gpus)
    .option('--micro-batch <n>', 'per-GPU micro-batch', int('--micro-batch'), LAUNCH_DEFAULTS.microBatch)
    .option('--base-model <id>', 'model to fine-tune', LAUNCH_DEFAULTS.baseModel)
    .option('--cutoff <tokens>', 'cut-off length: longer samples are dropped and counted', int('--cutoff'), 4096)
    .option('--val-ratio <r>', 'validation fraction, 0 to 0.5', ratio, 0.02)
    .option('--seed <n>', 'shuffle/split seed', int('--seed'), 42)
    .addOption(new Option('--train-on <turns>', 'assistant turns that carry the loss').choices(['all', 'last']).default('all'))
    .addOption(new Option('--order <order>', "train order: seeded shuffle, or ascending curriculum rank (default: the run's exporter setting, else shuffle)").choices(['shuffle', 'curriculum']))
    .option('--out <dir>', 'output folder (default: RUN_DIR/export)')
    .action(async (runDir: string, o: { format?: ExportFormat[]; trainer?: Trainer | 'all'; tokenizer: string; parquet?: boolean; gpus: number; microBatch: number; baseModel: string; cutoff: number; valRatio: number; seed: number; trainOn: 'all' | 'last'; order?: 'shuffle' | 'curriculum'; out?: string }) => {
      const trainers: Trainer[] = o.trainer === 'all' ? [...TRAINERS] : o.trainer ? [o.trainer] : [];
      const formats = new Set<ExportFormat>(o.format ?? (trainers.length ? [] : ['messages']));
      for (const t of trainers) formats.add(TRAINER_FORMAT[t]);
      const outDir = resolve(o.out ?? resolve(runDir, 'export'));
      const order = o.order ?? configuredOrder(openRunDir(runDir).run) ?? 'shuffle';
      const settings = { trainOn: o.trainOn, valRatio: o.valRatio, seed: o.seed, cutoff: o.cutoff, tokenizer: o.tokenizer, order };
      const log = stderrLogger();
      // Check the batch arithmetic before the (slower) export.
      const launch = { ...LAUNCH_DEFAULTS, gpus: o.gpus, microBatch: o.microBatch, baseModel: o.baseModel, cutoff: o.cutoff, trainOn: o.trainOn, seed: o.seed };
      if (trainers.length) gradientAccumulation(launch);
      const entries = [...formats].map((f) => {
        const plugin = exporters[f];
        const raw = f === 'tokenized' ? { ...settings, file: o.parquet ? 'parquet' : 'jsonl' } : settings;
        return { plugin, options: validateOptions(plugin, raw, `--format ${f}`) };
      });
      const trainSettings = { gpus: o.gpus, microBatch: o.microBatch, baseModel: o.baseModel, cutoff: o.cutoff, trainOn: o.trainOn, seed: o.seed };
      const trainerEntries = trainers.map((t) => ({ plugin: trainerPlugins[t], options: validateOptions(trainerPlugins[t], {}, `--trainer ${t}`) }));
      const implicit = [{ plugin: huggingfaceTokenizer, options: validateOptions(huggingfaceTokenizer, {}, 'tokenizer') }];
      let commands: string[] = [];
      const written = await exportRunDir({ runDir, outDir, exporters: entries, trainers: trainerEntries, implicit, trainSettings, onCommands: (c) => (commands = c), log });
      process.stdout.write(`wrote ${written.length} files to ${outDir}\n${written.map((f) => `  ${f}`).join('\n')}\n`);
      if (commands.length) process.stdout.write(`launch (from ${outDir}):\n${commands.map((c) => `  ${c}`).join('\n')}\n`);
    });
}

/** The `order` the run's config gave its exporters (e.g. semi-instruct's `curriculum`), if any gave one. */
function configuredOrder(run: Record<string, unknown>): 'shuffle' | 'curriculum' | undefined {
  const plugins = ((run.config ?? {}) as { plugins?: Record<string, unknown> }).plugins ?? {};
  for (const [name, options] of Object.entries(plugins)) {
    const order = (options as { order?: unknown } | null)?.order;
    if (name.startsWith('exporter:') && (order === 'shuffle' || order === 'curriculum')) return order;
  }
  return undefined;
}

function list(allowed: readonly string[], what: string) {
  return (value: string): ExportFormat[] => {
    const items = value.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = items.filter((i) => !allowed.includes(i));
    if (bad.length || items.length === 0) throw new InvalidArgumentError(`unknown ${what} ${bad.join(', ') || '(empty)'}; choose from ${allowed.join(', ')}`);
    return items as ExportFormat[];
  };
}

function int(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} must be a whole number, got "${value}"`);
    return n;
  };
}

function ratio(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 0.5) throw new InvalidArgumentError(`--val-ratio must be between 0 and 0.5, got "${value}"`);
  return n;
}
