import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { definePlugin, z, type Plugin } from '../../core/index.js';
import { LAUNCH_DEFAULTS, TRAINER_FORMAT, writeLaunchConfig, type LaunchSettings } from '../../training/launch.js';
import type { Trainer } from '../../training/schema.js';

/**
 * Options every trainer plugin takes; defaults are Infinite-Instruct's SFT recipe (arXiv 2505.23177,
 * §4.1: LR 2e-5, 3 epochs, global batch 512, cosine) on Qwen2.5-Coder-7B, 8 GPUs of micro-batch 4
 * (the GPU count and micro-batch are our choices). `instructsmith export` flags override them.
 */
export const trainerOptions = z
  .object({
    baseModel: z.string().min(1).default(LAUNCH_DEFAULTS.baseModel),
    learningRate: z.number().positive().default(LAUNCH_DEFAULTS.learningRate),
    epochs: z.number().positive().default(LAUNCH_DEFAULTS.epochs),
    globalBatch: z.number().int().positive().default(LAUNCH_DEFAULTS.globalBatch),
    gpus: z.number().int().positive().default(LAUNCH_DEFAULTS.gpus),
    microBatch: z.number().int().positive().default(LAUNCH_DEFAULTS.microBatch),
    warmupRatio: z.number().min(0).max(1).default(LAUNCH_DEFAULTS.warmupRatio),
  })
  .strict();

/**
 * A `trainer:<name>` plugin: on `hooks.train` it writes the trainer's launch config for the export
 * it reads (`TRAINER_FORMAT`), validated against the trainer's key schema (training/schemas/), and
 * adds the launch command. The export's cut-off, train-on and seed come from that export's report.
 */
export function defineTrainer(trainer: Trainer, description: string): Plugin {
  return definePlugin({
    name: `trainer:${trainer}`,
    description,
    options: trainerOptions,
    apply(ctx, options) {
      ctx.hooks.train.tapPromise(async (train) => {
        const s = { ...options, ...(train.settings as Partial<LaunchSettings>) } as LaunchSettings;
        const exported = exportedSettings(join(train.exportDir, TRAINER_FORMAT[trainer], 'export.json'));
        const settings: LaunchSettings = { ...s, cutoff: s.cutoff ?? exported?.cutoff ?? 4096, trainOn: s.trainOn ?? exported?.trainOn ?? 'all', seed: s.seed ?? exported?.seed ?? 42 };
        const res = await writeLaunchConfig(trainer, train.exportDir, settings);
        train.written.push(res.file);
        train.commands.push(`${trainer}: ${res.launch}`);
      });
    },
  });
}

/**
 * The settings of the export a trainer reads, from its report (`<format>/export.json`, written by
 * core's writeExport). Undefined when there is none: writeLaunchConfig then names the missing export.
 */
function exportedSettings(report: string): Partial<Pick<LaunchSettings, 'cutoff' | 'trainOn' | 'seed'>> | undefined {
  if (!existsSync(report)) return undefined;
  return (JSON.parse(readFileSync(report, 'utf8')) as { settings?: Partial<Pick<LaunchSettings, 'cutoff' | 'trainOn' | 'seed'>> }).settings;
}

export { TRAINER_FORMAT };
