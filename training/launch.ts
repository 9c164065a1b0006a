import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { parse } from 'yaml';
import { ConfigError, packageRoot } from '../core/index.js';
import { validateTrainerConfig, type Trainer } from './schema.js';

/**
 * SFT hyperparameters of the launch configs. Defaults follow the paper where it gives a number
 * (Infinite-Instruct, arXiv 2505.23177, SFT setup: Qwen2.5-Coder-7B base, learning rate 2e-5,
 * 3 epochs, global batch 512, cosine schedule, loss on responses only; bf16 as usual for Qwen2.5);
 * `warmupRatio` 0.03 (the common Alpaca/LLaMA-Factory example value), `gpus` 8 and `microBatch` 4
 * are our choices.
 */
export interface LaunchSettings {
  baseModel: string;
  learningRate: number;
  epochs: number;
  globalBatch: number;
  gpus: number;
  microBatch: number;
  warmupRatio: number;
  /** Tokens; the same cut-off the export used, so no trainer truncates a sample. */
  cutoff: number;
  trainOn: 'all' | 'last';
  seed: number;
}

export const LAUNCH_DEFAULTS: Omit<LaunchSettings, 'cutoff' | 'trainOn' | 'seed'> = {
  baseModel: 'Qwen/Qwen2.5-Coder-7B',
  learningRate: 2e-5,
  epochs: 3,
  globalBatch: 512,
  gpus: 8,
  microBatch: 4,
  warmupRatio: 0.03,
};

/**
 * Gradient accumulation steps so that gpus x microBatch x steps = globalBatch.
 * @throws ConfigError when globalBatch is not a multiple of gpus x microBatch (names --gpus/--micro-batch and suggests values)
 */
export function gradientAccumulation(s: Pick<LaunchSettings, 'globalBatch' | 'gpus' | 'microBatch'>): number {
  const per = s.gpus * s.microBatch;
  if (!Number.isInteger(s.gpus) || !Number.isInteger(s.microBatch) || s.gpus < 1 || s.microBatch < 1) {
    throw new ConfigError(`--gpus (${s.gpus}) and --micro-batch (${s.microBatch}) must be positive integers`);
  }
  if (s.globalBatch % per !== 0) {
    const ok = [1, 2, 4, 8, 16].filter((m) => s.globalBatch % (s.gpus * m) === 0);
    throw new ConfigError(`global batch ${s.globalBatch} is not a multiple of --gpus ${s.gpus} x --micro-batch ${s.microBatch} = ${per}`, {
      code: 'CONFIG_BATCH',
      hint: ok.length ? `with ${s.gpus} GPUs use --micro-batch ${ok.join(' or ')}` : `use a GPU count that divides ${s.globalBatch} (1, 2, 4, 8, 16, ...)`,
    });
  }
  return s.globalBatch / per;
}

/**
 * The end-of-turn control token of each axolotl chat template we write: the token right after an
 * assistant turn's content, which our tokenized export trains (axolotl's qwen_25.jinja, like
 * Qwen2.5's own template, closes every turn with `<|im_end|>`). axolotl needs it spelled out: its
 * default is the tokenizer's eos, `<|endoftext|>` for the Qwen2.5(-Coder) base models.
 */
export const CHAT_TEMPLATE_EOT = { qwen_25: '<|im_end|>' } as const;

/**
 * The trainer versions each launch config was checked with by the trainer integration tier
 * (training/integration/: load, tokenize or preprocess, and train 2 steps), as pinned in its
 * requirements-<trainer>.txt and the torch setup.sh installs first. The tier asserts its venvs hold them.
 */
export const TRAINER_CHECKED: Record<Trainer, { versions: Record<string, string>; checked: string }> = {
  axolotl: { versions: { axolotl: '0.19.0', transformers: '5.16.1', datasets: '4.8.4', torch: '2.13.0+cpu' }, checked: '`axolotl preprocess` labels equal the tokenized export\'s' },
  'llama-factory': { versions: { llamafactory: '0.9.5', transformers: '5.6.0', datasets: '4.0.0', torch: '2.13.0+cpu' }, checked: 'loads the ShareGPT export and trains 2 steps' },
  trl: { versions: { trl: '1.16.0', transformers: '5.24.0', datasets: '5.2.0', torch: '2.13.0+cpu' }, checked: 'loads the tokenized export and trains 2 steps' },
};

/** Which export format each trainer's config reads. */
export const TRAINER_FORMAT: Record<Trainer, 'messages' | 'sharegpt' | 'tokenized'> = {
  axolotl: 'messages',
  'llama-factory': 'sharegpt',
  trl: 'tokenized',
};

/** Where each trainer's config goes (relative to the export folder) and the command that launches it from there. */
export const TRAINER_FILES: Record<Trainer, { config: string; launch: (s: LaunchSettings) => string }> = {
  axolotl: { config: 'axolotl/config.yaml', launch: () => 'axolotl train axolotl/config.yaml' },
  'llama-factory': { config: 'llama-factory/sft.yaml', launch: (s) => `${s.gpus > 1 ? 'FORCE_TORCHRUN=1 ' : ''}llamafactory-cli train llama-factory/sft.yaml` },
  trl: { config: 'trl/sft.yaml', launch: (s) => `trl sft --config trl/sft.yaml${s.gpus > 1 ? ` --num_processes ${s.gpus}` : ''}` },
};

/**
 * Fill `training/templates/<trainer>.yaml.jinja` for the export in `outDir` (which must already hold
 * the trainer's data format folder), validate it against `training/schemas/<trainer>.yaml`, and
 * write it to `outDir/<TRAINER_FILES[trainer].config>`, and add the command and the versions checked
 * (`TRAINER_CHECKED`) to the dataset card of that format. When the export is in curriculum order
 * (`settings.order` in its export.json), the config turns the trainer's shuffle off. Paths in the config are relative to `outDir`:
 * launch from there. Returns the written path (relative) and the launch command.
 * @throws ConfigError for a batch that does not divide, a missing data folder, or a config the schema rejects
 */
export async function writeLaunchConfig(trainer: Trainer, outDir: string, s: LaunchSettings): Promise<{ file: string; launch: string; config: Record<string, unknown> }> {
  const format = TRAINER_FORMAT[trainer];
  const report = join(outDir, format, 'export.json');
  if (!existsSync(report)) {
    throw new ConfigError(`${trainer} needs the ${format} export in ${join(outDir, format)}, which is missing`, { hint: `export with --format ${format} (or --trainer ${trainer}, which adds it)` });
  }
  const exported = JSON.parse(readFileSync(report, 'utf8')) as { files: { train: string; validation?: string }; settings?: { order?: string } };
  const gradAccum = gradientAccumulation(s);
  const files = TRAINER_FILES[trainer];
  const source = readFileSync(join(packageRoot(), 'training', 'templates', `${trainer}.yaml.jinja`), 'utf8');
  const text = new Template(source).render({
    base_model: s.baseModel,
    learning_rate: formatNumber(s.learningRate),
    epochs: s.epochs,
    global_batch: s.globalBatch,
    gpus: s.gpus,
    micro_batch: s.microBatch,
    grad_accum: gradAccum,
    warmup_ratio: s.warmupRatio,
    cutoff: s.cutoff,
    seed: s.seed,
    output_dir: `checkpoints/${trainer}`,
    train_file: exported.files.train,
    validation_file: exported.files.validation ?? '',
    // axolotl's built-in Qwen2.5 ChatML template (same text as the tokenizer's); LLaMA-Factory's `qwen`.
    chat_template: 'qwen_25',
    eot_token: CHAT_TEMPLATE_EOT.qwen_25,
    template: 'qwen',
    train_dataset: 'instructsmith_train',
    validation_dataset: exported.files.validation ? 'instructsmith_validation' : '',
    mask_history: s.trainOn === 'last',
    // A curriculum export is ordered on purpose: the trainer must read it sequentially, not reshuffle it.
    sequential: exported.settings?.order === 'curriculum',
    launch: files.launch(s),
  });
  const config = validateTrainerConfig(trainer, parse(text), `${trainer} config (training/templates/${trainer}.yaml.jinja)`);
  await mkdir(join(outDir, trainer), { recursive: true });
  await writeFile(join(outDir, files.config), text.endsWith('\n') ? text : `${text}\n`);
  await appendTrainerToCard(trainer, join(outDir, format, 'README.md'), files.config, files.launch(s));
  return { file: files.config, launch: files.launch(s), config };
}

/** Add a "Training with <trainer>" section (command, config, versions checked) to the dataset card of the format the trainer reads. */
async function appendTrainerToCard(trainer: Trainer, card: string, config: string, launch: string): Promise<void> {
  if (!existsSync(card)) return;
  const { versions, checked } = TRAINER_CHECKED[trainer];
  const pins = Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ');
  const section = [
    '',
    `## Training with ${trainer}`,
    '',
    `From the export folder (the parent of this one): \`${launch}\` (config \`${config}\`).`,
    `Checked with ${pins} (on the CPU) by instructsmith's trainer integration tests: ${checked}.`,
    '',
  ].join('\n');
  await appendFile(card, section);
}

// YAML would read 2e-5 written as `2e-05` fine, but `2.0e-5` is what trainers' examples use and parses as a float everywhere.
function formatNumber(n: number): string {
  if (n !== 0 && Math.abs(n) < 1e-3) {
    const [m, e] = n.toExponential().split('e');
    return `${m!.includes('.') ? m : `${m}.0`}e${e}`;
  }
  return String(n);
}
