import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { TrainContext } from '../../core/index.js';
import { createHarness, readRecordFile, type PluginHarness, type PluginWithOptions } from '../../core/testing/index.js';
import { TRAINERS, validateTrainerConfig, type Trainer } from '../../training/schema.js';
import { exporters } from '../exporters/index.js';
import huggingfaceTokenizer from '../tokenizers/huggingface.js';
import { trainers, TRAINER_FORMAT } from './index.js';

const records = await readRecordFile(join(import.meta.dirname, '../../test/fixtures/runs/small/samples.jsonl'));

/** Where each trainer's launch config goes, relative to the export folder, and the command that launches it. */
const EXPECTED: Record<Trainer, { file: string; command: string }> = {
  axolotl: { file: 'axolotl/config.yaml', command: 'axolotl: axolotl train axolotl/config.yaml' },
  'llama-factory': { file: 'llama-factory/sft.yaml', command: 'llama-factory: FORCE_TORCHRUN=1 llamafactory-cli train llama-factory/sft.yaml' },
  trl: { file: 'trl/sft.yaml', command: 'trl: trl sft --config trl/sft.yaml --num_processes 8' },
};

/**
 * Fire `export` then `train` over the fixture run's samples (instructsmith/testing), and keep the
 * train context the trainers filled (an interceptor on `hooks.train`) beside the harness's result.
 */
async function exportAndTrain(plugins: PluginWithOptions[]): Promise<{ h: PluginHarness; out: string; written: string[]; train: TrainContext | undefined }> {
  const h = await createHarness([huggingfaceTokenizer, ...plugins]);
  let train: TrainContext | undefined;
  h.hooks.train.intercept({ call: (ctx) => void (train = ctx) });
  const out = join(h.runDir, 'export');
  const { written, commands } = await h.exportRecords(records, { outDir: out });
  expect(commands).toEqual(train?.commands ?? []);
  return { h, out, written, train };
}

describe.each(TRAINERS)('trainer:%s', (trainer) => {
  const format = TRAINER_FORMAT[trainer];

  it(`writes a schema-valid launch config over the ${format} export and reports the launch command`, async () => {
    const { out, written, train } = await exportAndTrain([[exporters[format], { valRatio: 0.2 }], trainers[trainer]]);
    const { file, command } = EXPECTED[trainer];
    expect(written).toContain(file);
    expect(written).toContain(`${format}/train.jsonl`);
    const config = parse(readFileSync(join(out, file), 'utf8')) as Record<string, unknown>;
    expect(() => validateTrainerConfig(trainer, config, file)).not.toThrow();
    // The paper's recipe: Qwen2.5-Coder-7B, LR 2e-5, 3 epochs; 8 GPUs x micro-batch 4 x 16 = global batch 512.
    expect(config).toMatchObject({ learning_rate: 2e-5, gradient_accumulation_steps: 16 });
    expect(JSON.stringify(config)).toContain('Qwen/Qwen2.5-Coder-7B');
    // The config points at the data the exporter wrote.
    expect(JSON.stringify(config)).toContain(trainer === 'llama-factory' ? 'instructsmith_train' : format);
    expect(train?.commands).toEqual([command]);
  });

  it('takes the cut-off, seed and train-on of the export it reads, and its own options', async () => {
    const { out } = await exportAndTrain([
      [exporters[format], { valRatio: 0, cutoff: 2048, seed: 7, trainOn: 'last' }],
      [trainers[trainer], { gpus: 2, microBatch: 8, learningRate: 1e-5 }],
    ]);
    const text = readFileSync(join(out, EXPECTED[trainer].file), 'utf8');
    const config = parse(text) as Record<string, unknown>;
    expect(() => validateTrainerConfig(trainer, config, trainer)).not.toThrow();
    // 2 GPUs x 8 x 32 = 512.
    expect(config).toMatchObject({ learning_rate: 1e-5, gradient_accumulation_steps: 32, seed: 7 });
    const cutoffKey = { axolotl: 'sequence_len', 'llama-factory': 'cutoff_len', trl: 'max_length' }[trainer];
    expect(config[cutoffKey]).toBe(2048);
    // LLaMA-Factory trains only the last turn when told to; the other two read the export's weights or labels.
    if (trainer === 'llama-factory') expect(config.mask_history).toBe(true);
  });

  it('without its export format, fails naming the missing export and the format to add', async () => {
    const other = format === 'messages' ? 'alpaca' : 'messages';
    const err = (await exportAndTrain([exporters[other], trainers[trainer]]).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain(`${trainer} needs the ${format} export`);
    expect(err).toMatchObject({ plugin: `trainer:${trainer}`, hint: expect.stringContaining(`--format ${format}`) });
  });

  it('refuses a global batch the GPUs and micro-batch do not divide, suggesting values', async () => {
    const err = (await exportAndTrain([exporters[format], [trainers[trainer], { gpus: 3 }]]).catch((e: unknown) => e)) as Error & { hint?: string };
    expect(err.message).toContain('global batch 512 is not a multiple of --gpus 3 x --micro-batch 4 = 12');
    expect(err.hint).toMatch(/use a GPU count that divides 512|--micro-batch/);
  });
});

it('rejects unknown trainer options, naming the key', async () => {
  await expect(createHarness([[trainers.axolotl, { gpu: 4 }]])).rejects.toThrow(/gpu/);
});
