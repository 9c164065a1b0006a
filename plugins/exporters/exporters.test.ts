import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IGNORE_INDEX, type Plugin } from '../../core/index.js';
import { createHarness, readRecordFile, type PluginWithOptions } from '../../core/testing/index.js';
import { exportRunDir } from '../../core/export/run-export.js';
import { loadChatTokenizer } from '../../training/tokenizer.js';
import huggingfaceTokenizer from '../tokenizers/huggingface.js';
import { exporters } from './index.js';

const RUN = join(import.meta.dirname, '../../test/fixtures/runs/small');
const tok = loadChatTokenizer('qwen2.5');
const records = await readRecordFile(join(RUN, 'samples.jsonl'));

/**
 * The exporters (with the tokenizer plugin every export has, as the CLI adds it) over the fixture run's
 * samples (instructsmith/testing). The fixture holds the hard cases of masking on purpose (control-token
 * text, an empty turn, a leading newline), so these tests keep them (`dropAmbiguous: false`) unless an
 * entry says otherwise; the default, which drops them, has its own test below.
 */
async function runExporters(entries: PluginWithOptions[], keepAmbiguous = true) {
  const outDir = mkdtempSync(join(tmpdir(), 'export-'));
  const withDefaults = entries.map((e): PluginWithOptions => {
    const [plugin, options]: readonly [Plugin, object?] = Array.isArray(e) ? (e as readonly [Plugin, object?]) : [e as Plugin, {}];
    return [plugin, keepAmbiguous ? { dropAmbiguous: false, ...options } : options];
  });
  const harness = await createHarness([huggingfaceTokenizer, ...withDefaults]);
  const { written } = await harness.exportRecords(records, { outDir });
  return { outDir, written };
}

const jsonl = (path: string) => readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const fixture = jsonl(join(RUN, 'samples.jsonl')) as Array<{ id: string; messages: Array<{ role: string; content: string }> }>;

describe('exporters on a finished run', () => {
  it('messages: weights, dedup, drops counted with reasons, card and report', async () => {
    const { outDir, written } = await runExporters([[exporters.messages, { valRatio: 0.2, seed: 7 }]]);
    const train = jsonl(join(outDir, 'messages/train.jsonl'));
    const val = jsonl(join(outDir, 'messages/validation.jsonl'));
    // 10 samples: 1 exact duplicate, 1 ending on a user turn -> 8 exported; 20% -> 2 validation.
    expect(train.length + val.length).toBe(8);
    expect(val.length).toBe(2);
    const ids = [...train, ...val].map((r) => r.id);
    expect(new Set(ids).size).toBe(8);
    for (const row of [...train, ...val]) {
      for (const m of row.messages) expect(m.weight).toBe(m.role === 'assistant' ? 1 : 0);
      const src = fixture.find((f) => f.id === row.id)!;
      expect(row.messages.map((m: { role: string; content: string }) => ({ role: m.role, content: m.content }))).toEqual(src.messages);
    }
    const report = JSON.parse(readFileSync(join(outDir, 'messages/export.json'), 'utf8'));
    expect(report.read).toBe(10);
    expect(report.dropped).toEqual({ duplicate: 1, no_assistant_turn: 1 });
    expect(jsonl(join(outDir, 'messages/dropped.jsonl')).map((d) => d.reason).sort()).toEqual(['duplicate', 'no_assistant_turn']);
    expect(report.tokens.train.count + report.tokens.validation.count).toBe(8);
    const card = readFileSync(join(outDir, 'messages/README.md'), 'utf8');
    const front = parse(card.split('---')[1]!);
    expect(front).toMatchObject({ license: 'other', task_categories: ['text-generation'], size_categories: ['n<1K'] });
    expect(front.configs[0].data_files).toEqual([
      { split: 'train', path: 'train.jsonl' },
      { split: 'validation', path: 'validation.jsonl' },
    ]);
    expect(card).toContain('| duplicate | 1 |');
    expect(written).toContain('messages/train.jsonl');
  });

  it('messages: the card names the preset and models of the run.json it exports from', async () => {
    // The harness exports without the run's run.json, so this goes the way `instructsmith export` does.
    const outDir = mkdtempSync(join(tmpdir(), 'export-'));
    const entry = (plugin: typeof exporters.messages, options: unknown) => ({ plugin, options: plugin.options.parse(options) });
    const silent = { info() {}, warn() {}, debug() {} };
    const written = await exportRunDir({ runDir: RUN, outDir, exporters: [entry(exporters.messages, { valRatio: 0 })], implicit: [entry(huggingfaceTokenizer, {})], log: silent });
    expect(written).toContain('messages/README.md');
    const card = readFileSync(join(outDir, 'messages/README.md'), 'utf8');
    expect(card).toContain('infinite-instruct');
    expect(card).toContain('ollama:qwen2.5-coder:7b');
    expect(card).toContain('openai:gpt-4o-mini');
  });

  it('same seed gives the same files; another seed another order', async () => {
    const a = await runExporters([[exporters.messages, { seed: 1, valRatio: 0 }]]);
    const b = await runExporters([[exporters.messages, { seed: 1, valRatio: 0 }]]);
    const c = await runExporters([[exporters.messages, { seed: 2, valRatio: 0 }]]);
    const read = (d: string) => readFileSync(join(d, 'messages/train.jsonl'), 'utf8');
    expect(read(a.outDir)).toBe(read(b.outDir));
    expect(read(a.outDir)).not.toBe(read(c.outDir));
    expect(existsSync(join(a.outDir, 'messages/validation.jsonl'))).toBe(false);
  });

  it('trainOn last weights only the final assistant turn', async () => {
    const { outDir } = await runExporters([[exporters.messages, { trainOn: 'last', valRatio: 0 }]]);
    for (const row of jsonl(join(outDir, 'messages/train.jsonl'))) {
      const weights = row.messages.map((m: { weight: number }) => m.weight);
      expect(weights.filter((w: number) => w === 1)).toHaveLength(1);
      expect(weights[weights.length - 1]).toBe(1);
    }
  });

  it('sharegpt and alpaca: LLaMA-Factory shapes; non-alternating turns dropped and counted', async () => {
    const { outDir } = await runExporters([
      [exporters.sharegpt, { valRatio: 0 }],
      [exporters.alpaca, { valRatio: 0 }],
    ]);
    const sg = jsonl(join(outDir, 'sharegpt/train.jsonl'));
    expect(sg).toHaveLength(7); // 8 prepared, minus the user,user,assistant sample
    const go = sg.find((r) => r.system === 'You are a careful senior Go reviewer.')!;
    expect(go.conversations.map((c: { from: string }) => c.from)).toEqual(['human', 'gpt', 'human', 'gpt']);
    const info = JSON.parse(readFileSync(join(outDir, 'sharegpt/dataset_info.json'), 'utf8'));
    expect(info.instructsmith_train).toMatchObject({ file_name: 'train.jsonl', formatting: 'sharegpt', tags: { user_tag: 'human', assistant_tag: 'gpt' } });
    expect(JSON.parse(readFileSync(join(outDir, 'sharegpt/export.json'), 'utf8')).formatDropped).toEqual({ not_alternating: 1 });
    const al = jsonl(join(outDir, 'alpaca/train.jsonl'));
    const goA = al.find((r) => r.system === 'You are a careful senior Go reviewer.')!;
    expect(goA.instruction).toBe('Now make it generic.');
    expect(goA.history).toHaveLength(1);
    expect(goA.history[0][0]).toBe('Write `Max(a, b int) int` in Go.');
    expect(readFileSync(join(outDir, 'alpaca/README.md'), 'utf8')).toContain('| not_alternating | 1 |');
  });

  it('tokenized: every row masks exactly the assistant contents plus <|im_end|>', async () => {
    const { outDir } = await runExporters([[exporters.tokenized, { valRatio: 0 }]]);
    const rows = jsonl(join(outDir, 'tokenized/train.jsonl'));
    expect(rows).toHaveLength(8);
    for (const row of rows) {
      const src = fixture.find((f) => f.id === row.id)!;
      const runs: string[] = [];
      let cur: number[] = [];
      row.labels.forEach((l: number, i: number) => {
        if (l !== IGNORE_INDEX) {
          expect(l).toBe(row.input_ids[i]);
          cur.push(l);
        } else if (cur.length) {
          runs.push(tok.decode(cur));
          cur = [];
        }
      });
      if (cur.length) runs.push(tok.decode(cur));
      expect(runs).toEqual(src.messages.filter((m) => m.role === 'assistant').map((m) => `${m.content}<|im_end|>`));
      expect(tok.decode(row.input_ids)).toBe(tok.render(src.messages));
    }
  });

  it('tokenized: samples over the cut-off are dropped and counted, never truncated', async () => {
    const { outDir } = await runExporters([[exporters.tokenized, { valRatio: 0, cutoff: 60 }]]);
    const report = JSON.parse(readFileSync(join(outDir, 'tokenized/export.json'), 'utf8'));
    const rows = jsonl(join(outDir, 'tokenized/train.jsonl'));
    expect(report.dropped.over_cutoff).toBeGreaterThan(0);
    expect(rows.length + report.dropped.over_cutoff).toBe(8);
    for (const r of rows) expect(r.input_ids.length).toBeLessThanOrEqual(60);
    expect(jsonl(join(outDir, 'tokenized/dropped.jsonl')).filter((d) => d.reason === 'over_cutoff').every((d) => /tokens > cutoff 60/.test(d.message))).toBe(true);
  });

  it('tokenized parquet reads back with the same rows as JSONL', async () => {
    const { outDir } = await runExporters([[exporters.tokenized, { valRatio: 0.25, file: 'parquet' }]]);
    const j = await runExporters([[exporters.tokenized, { valRatio: 0.25 }]]);
    for (const split of ['train', 'validation']) {
      const buf = readFileSync(join(outDir, `tokenized/${split}.parquet`));
      const rows = await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) });
      const expected = jsonl(join(j.outDir, `tokenized/${split}.jsonl`));
      expect(rows.length).toBe(expected.length);
      expect(rows.map((r) => ({ ...r }))).toEqual(expected);
    }
  });

  it('rejects unknown exporter options', () => {
    expect(() => exporters.messages.options.parse({ trainon: 'all' })).toThrow();
    expect(() => exporters.tokenized.options.parse({ file: 'csv' })).toThrow();
  });

  it('by default drops the samples trainers would tokenize differently, each with its reason (dropAmbiguous)', async () => {
    const { outDir } = await runExporters([[exporters.messages, { valRatio: 0 }]], false);
    const rows = jsonl(join(outDir, 'messages/train.jsonl'));
    const dropped = jsonl(join(outDir, 'messages/dropped.jsonl')) as Array<{ id: string; reason: string; message: string }>;
    const ambiguous = dropped.filter((d) => ['control_token_text', 'leading_newline', 'empty_turn'].includes(d.reason));
    expect(ambiguous.length).toBeGreaterThan(0);
    for (const d of ambiguous) {
      const src = fixture.find((f) => f.id === d.id)!;
      if (d.reason === 'control_token_text') expect(src.messages.some((m) => /<\|[a-z_]+\|>/.test(m.content))).toBe(true);
      if (d.reason === 'leading_newline') expect(src.messages.some((m) => /^\s*[\r\n]/.test(m.content))).toBe(true);
      if (d.reason === 'empty_turn') expect(src.messages.some((m) => m.role === 'assistant' && m.content === '')).toBe(true);
      expect(d.message).toMatch(/^message \d+ /);
    }
    const kept = await runExporters([[exporters.messages, { valRatio: 0 }]]);
    expect(rows.length + ambiguous.length).toBe(jsonl(join(kept.outDir, 'messages/train.jsonl')).length);
    for (const r of rows) expect(ambiguous.map((d) => d.id)).not.toContain(r.id);
  });
});