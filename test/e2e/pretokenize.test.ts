/**
 * The export's pretokenizer (core/export/pretokenize.ts): during a run, kept samples are tokenized
 * in a helper process; the export reads those results. The exported files must be exactly what an
 * export that tokenizes everything itself writes, and a helper that cannot load changes nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentId, type Logger, type SampleRecord } from '../../core/index.js';
import { weightConversation } from '../../core/export/conversation.js';
import { tokenizeConversation } from '../../core/export/mask.js';
import { ambiguity } from '../../core/export/ambiguity.js';
import { Pretokenizer } from '../../core/export/pretokenize.js';
import { main } from '../../cli/main.js';
import { loadChatTokenizer } from '../../training/tokenizer.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import { HUMANEVAL, readJsonl, runPreset, tempDir } from './helpers.js';

const FILES = ['train.jsonl', 'validation.jsonl', 'dropped.jsonl'];
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

describe('export pretokenizer', () => {
  let double: LlmDouble;
  let out: string;

  beforeAll(async () => {
    double = await startLlmDouble();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    out = tempDir('pretokenize');
    const result = await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: 'openai:scripted-coder', baseUrl: double.url, out, limit: 40, concurrency: 8 });
    expect(result.status).toBe('complete');
  }, 600_000);
  afterAll(async () => double?.close());

  it('tokenized every distinct kept sample during the run', () => {
    const report = JSON.parse(read(join(out, 'export', 'messages'), 'export.json')) as { read: number; exported: number; pretokenized: number; dropped: Record<string, number> };
    expect(report.read).toBe(readJsonl(join(out, 'samples.jsonl')).length);
    expect(report.exported).toBeGreaterThan(10);
    expect(report.pretokenized).toBe(report.read - (report.dropped.duplicate ?? 0));
  });

  it('writes the same files as an export that tokenizes everything itself', async () => {
    const again = tempDir('pretokenize-export');
    expect(await main(['export', out, '--format', 'messages', '--out', again])).toBe(0);
    const report = JSON.parse(read(join(again, 'messages'), 'export.json')) as { pretokenized: number };
    expect(report.pretokenized).toBe(0);
    for (const file of FILES) expect(read(join(again, 'messages'), file), file).toBe(read(join(out, 'export', 'messages'), file));
  }, 120_000);

  it('answers what tokenizeConversation and the ambiguity check give, and nothing for a helper that cannot load', async () => {
    const tok = loadChatTokenizer('qwen2.5');
    const records = readJsonl<SampleRecord>(join(out, 'samples.jsonl')).slice(0, 5);
    // One sample the export drops as ambiguous, one the mask code refuses (U+E000 is its reserved marker).
    const ambiguous = structuredClone(records[0]!);
    ambiguous.messages[1]!.content = `\n${ambiguous.messages[1]!.content}`;
    const refused = structuredClone(records[1]!);
    refused.messages[1]!.content = `x\uE000y`;
    const warnings: string[] = [];
    const log: Logger = { info: () => undefined, debug: () => undefined, warn: (m) => warnings.push(m) };
    const keyOf = (r: SampleRecord) => contentId(weightConversation(r.messages, 'all').map((m) => [m.role, m.content]));

    const pre = new Pretokenizer({ trainOn: 'all' }, () => tok, log);
    for (const r of [...records, ambiguous, refused]) pre.add(r);
    await pre.settle();
    expect(pre.size).toBe(7);
    for (const r of records) {
      const messages = weightConversation(r.messages, 'all');
      const t = tokenizeConversation(tok, messages);
      expect(pre.get(keyOf(r))).toEqual({ tokens: { input_ids: t.input_ids, labels: t.labels, assistant_masks: t.assistant_masks } });
    }
    expect(pre.get(keyOf(ambiguous))?.ambiguity).toEqual(ambiguity(weightConversation(ambiguous.messages, 'all'), tok));
    expect(pre.get(keyOf(ambiguous))?.ambiguity?.reason).toBe('leading_newline');
    expect(pre.get(keyOf(refused))?.error?.reason).toBe('sentinel_in_content');
    await pre.close();
    expect(pre.get(keyOf(records[0]!))).toBeUndefined();
    expect(warnings).toEqual([]);

    const broken = { ...tok, addedTokens: tok.addedTokens, recipe: { module: new URL('./no-such-module.js', import.meta.url).href, export: 'loadChatTokenizer', spec: 'qwen2.5' } };
    const failing = new Pretokenizer({ trainOn: 'all' }, () => broken, log);
    for (const r of records) failing.add(r);
    await failing.settle();
    expect(failing.size).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/export pretokenizer: failed .*the export tokenizes the remaining samples itself/);
    await failing.close();
  }, 120_000);
});
