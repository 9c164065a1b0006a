import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../cli/main.js';
import { gradientAccumulation, LAUNCH_DEFAULTS } from './launch.js';
import { TRAINERS, validateTrainerConfig } from './schema.js';

const RUN = join(import.meta.dirname, '../test/fixtures/runs/small');

describe('instructsmith export --trainer all', () => {
  it('writes data and a schema-valid launch config for each trainer with the paper defaults', async () => {
    const out = mkdtempSync(join(tmpdir(), 'launch-'));
    const code = await main(['export', RUN, '--trainer', 'all', '--out', out, '--gpus', '4', '--micro-batch', '8', '--val-ratio', '0.2', '--train-on', 'last']);
    expect(code).toBe(0);
    const ax = parse(readFileSync(join(out, 'axolotl/config.yaml'), 'utf8'));
    const lf = parse(readFileSync(join(out, 'llama-factory/sft.yaml'), 'utf8'));
    const trl = parse(readFileSync(join(out, 'trl/sft.yaml'), 'utf8'));
    for (const [t, c] of [['axolotl', ax], ['llama-factory', lf], ['trl', trl]] as const) expect(() => validateTrainerConfig(t, c, t)).not.toThrow();
    // 4 GPUs x 8 micro-batch x 16 = 512
    expect(ax).toMatchObject({ base_model: 'Qwen/Qwen2.5-Coder-7B', learning_rate: 2e-5, num_epochs: 3, micro_batch_size: 8, gradient_accumulation_steps: 16, lr_scheduler: 'cosine', bf16: true, sequence_len: 4096 });
    expect(ax.datasets[0]).toMatchObject({ path: 'messages/train.jsonl', type: 'chat_template', message_field_training: 'weight', roles_to_train: ['assistant'], train_on_eos: 'turn' });
    expect(lf).toMatchObject({ dataset_dir: 'sharegpt', dataset: 'instructsmith_train', eval_dataset: 'instructsmith_validation', template: 'qwen', mask_history: true, train_on_prompt: false, learning_rate: 2e-5, num_train_epochs: 3, per_device_train_batch_size: 8, gradient_accumulation_steps: 16 });
    expect(trl).toMatchObject({ dataset_name: 'tokenized', dataset_test_split: 'validation', max_length: 4096, learning_rate: 2e-5, lr_scheduler_type: 'cosine', gradient_accumulation_steps: 16, warmup_steps: 0.03 });
    // transformers >= 5 removed warmup_ratio; the fraction goes in warmup_steps.
    expect(trl.warmup_ratio).toBeUndefined();
    expect(lf.warmup_steps).toBe(0.03);
    expect(lf.warmup_ratio).toBeUndefined();
    // axolotl trains eot_tokens (default: the tokenizer's eos, <|endoftext|> for the base model, which
    // the qwen_25 template never writes): the config names the template's turn terminator.
    expect(ax.eot_tokens).toEqual(['<|im_end|>']);
    for (const d of [...ax.datasets, ...ax.test_datasets]) expect(d).toMatchObject({ train_on_eos: 'turn', train_on_eot: 'turn' });
    expect(ax.attn_implementation).toBe('flash_attention_2');
    expect(ax.flash_attention).toBeUndefined();
    // Each trainer's card names its command and the versions checked.
    expect(readFileSync(join(out, 'messages/README.md'), 'utf8')).toMatch(/## Training with axolotl[\s\S]*`axolotl train axolotl\/config.yaml`[\s\S]*axolotl 0\.19\.0/);
    expect(readFileSync(join(out, 'sharegpt/README.md'), 'utf8')).toMatch(/## Training with llama-factory[\s\S]*llamafactory-cli train llama-factory\/sft.yaml[\s\S]*llamafactory 0\.9\.5, transformers 5\.6\.0/);
    expect(readFileSync(join(out, 'tokenized/README.md'), 'utf8')).toMatch(/## Training with trl[\s\S]*trl sft --config trl\/sft.yaml[\s\S]*trl 1\.16\.0, transformers 5\.24\.0/);
    // The data each config points at exists.
    const info = JSON.parse(readFileSync(join(out, 'sharegpt/dataset_info.json'), 'utf8'));
    expect(Object.keys(info)).toEqual(['instructsmith_train', 'instructsmith_validation']);
    // LLaMA-Factory's converter reads every column dataset_info maps from every row
    // (src/llamafactory/data/converter.py, `example[self.dataset_attr.system]`): a missing key is a KeyError.
    const rows = ['train', 'validation'].flatMap((s) => readFileSync(join(out, `sharegpt/${s}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
    const mapped = Object.values(info.instructsmith_train.columns as Record<string, string>);
    expect(mapped).toContain('system');
    for (const row of rows) for (const column of mapped) expect(row).toHaveProperty(column);
    expect(rows.filter((r) => r.system === '').length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.system !== '').length).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'tokenized/train.jsonl'), 'utf8').length).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'messages/train.jsonl'), 'utf8').length).toBeGreaterThan(0);
  });

  it('a shuffled export leaves the trainers shuffling; a curriculum export turns every trainer\'s shuffle off', async () => {
    const read = (out: string) => ({
      axolotl: parse(readFileSync(join(out, 'axolotl/config.yaml'), 'utf8')),
      'llama-factory': parse(readFileSync(join(out, 'llama-factory/sft.yaml'), 'utf8')),
      trl: parse(readFileSync(join(out, 'trl/sft.yaml'), 'utf8')),
    });
    const shuffled = mkdtempSync(join(tmpdir(), 'launch-'));
    expect(await main(['export', RUN, '--trainer', 'all', '--out', shuffled])).toBe(0);
    const s = read(shuffled);
    expect(s.axolotl.curriculum_sampling).toBeUndefined();
    expect(s['llama-factory'].disable_shuffling).toBeUndefined();
    expect(s.trl.train_sampling_strategy).toBeUndefined();

    // No --order: the run's own exporter setting (as the semi-instruct preset writes it) decides.
    const run = mkdtempSync(join(tmpdir(), 'curriculum-run-'));
    cpSync(RUN, run, { recursive: true });
    const runJson = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    runJson.config.plugins = { 'exporter:messages': { order: 'curriculum' } };
    writeFileSync(join(run, 'run.json'), JSON.stringify(runJson));
    const ordered = mkdtempSync(join(tmpdir(), 'launch-'));
    expect(await main(['export', run, '--trainer', 'all', '--out', ordered])).toBe(0);
    const c = read(ordered);
    for (const [t, cfg] of Object.entries(c)) expect(() => validateTrainerConfig(t as (typeof TRAINERS)[number], cfg, t)).not.toThrow();
    expect(c.axolotl).toMatchObject({ curriculum_sampling: true, shuffle_merged_datasets: false });
    expect(c['llama-factory'].disable_shuffling).toBe(true);
    expect(c.trl.train_sampling_strategy).toBe('sequential');
    for (const f of ['messages', 'sharegpt', 'tokenized']) expect(JSON.parse(readFileSync(join(ordered, f, 'export.json'), 'utf8')).settings.order).toBe('curriculum');
    // --order overrides the run's setting.
    const forced = mkdtempSync(join(tmpdir(), 'launch-'));
    expect(await main(['export', run, '--trainer', 'axolotl', '--order', 'shuffle', '--out', forced])).toBe(0);
    expect(parse(readFileSync(join(forced, 'axolotl/config.yaml'), 'utf8')).curriculum_sampling).toBeUndefined();
  });

  it('refuses a batch that does not divide 512, naming the flags', async () => {
    expect(() => gradientAccumulation({ ...LAUNCH_DEFAULTS, gpus: 3, microBatch: 4 })).toThrow(/--gpus 3 x --micro-batch 4/);
    expect(gradientAccumulation({ ...LAUNCH_DEFAULTS, gpus: 8, microBatch: 4 })).toBe(16);
    expect(gradientAccumulation({ ...LAUNCH_DEFAULTS, gpus: 1, microBatch: 1 })).toBe(512);
  });
});

describe('trainer key schemas', () => {
  it.each(TRAINERS)('%s: rejects an unknown key and a wrong type', (t) => {
    expect(() => validateTrainerConfig(t, { learning_rte: 2e-5 }, t)).toThrow(/learning_rte/);
    expect(() => validateTrainerConfig(t, { learning_rate: '2e-5' }, t)).toThrow(/learning_rate/);
  });
  it('axolotl: rejects a typo inside a dataset entry and a bad enum value', () => {
    expect(() => validateTrainerConfig('axolotl', { datasets: [{ path: 'x', type: 'chat_template', train_on_eos: 'sometimes' }] }, 'axolotl')).toThrow(/train_on_eos/);
    expect(() => validateTrainerConfig('axolotl', { datasets: [{ path: 'x', roles_to_trian: ['assistant'] }] }, 'axolotl')).toThrow(/roles_to_trian/);
  });
});
