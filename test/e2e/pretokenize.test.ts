/**
 * The export's pretokenizer (core/export/pretokenize.ts): during a run, kept samples are tokenized
 * in a helper process; the export reads those results. The exported files must be exactly what an
 * export that tokenizes everything itself writes, and a helper that cannot load changes nothing.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentId, type Logger, type SampleRecord } from '../../core/index.js';
import { weightConversation } from '../../core/export/conversation.js';
import { tokenizeConversation } from '../../core/export/mask.js';
import { ambiguity } from '../../core/export/ambiguity.js';
import { Pretokenizer } from '../../core/export/pretokenize.js';
import type { ChatTokenizer } from '../../core/export/chat-tokenizer.js';
import { exportContextFor } from '../../core/export/run-dir.js';
import { releasePrepared } from '../../core/export/prepare.js';
import { exportSettingsSchema, writeExport } from '../../core/index.js';
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
    const result = await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: 'openai:scripted-coder', baseUrl: double.url, out, limit: 40, concurrency: 8, plugins: { 'exporter:messages': { pretokenizeFrom: 1 } } });
    expect(result.status).toBe('complete');
  }, 600_000);
  afterAll(async () => double?.close());

  it('tokenized every distinct kept sample during the run', () => {
    const report = JSON.parse(read(join(out, 'export', 'messages'), 'export.json')) as { read: number; exported: number; tokenizedBy: Record<string, number>; dropped: Record<string, number> };
    expect(report.read).toBe(readJsonl(join(out, 'samples.jsonl')).length);
    expect(report.exported).toBeGreaterThan(10);
    expect(report.tokenizedBy).toEqual({ duringRun: report.read - (report.dropped.duplicate ?? 0), exportHelpers: 0, inline: 0 });
  });

  it('writes the same files as an export that tokenizes everything itself', async () => {
    const again = tempDir('pretokenize-export');
    expect(await main(['export', out, '--format', 'messages', '--out', again])).toBe(0);
    const report = JSON.parse(read(join(again, 'messages'), 'export.json')) as { read: number; tokenizedBy: Record<string, number> };
    // Too few samples for helper processes: all tokenized in the export's own thread.
    expect(report.tokenizedBy).toMatchObject({ duringRun: 0, exportHelpers: 0 });
    expect(report.tokenizedBy.inline).toBeGreaterThan(10);
    for (const file of FILES) expect(read(join(again, 'messages'), file), file).toBe(read(join(out, 'export', 'messages'), file));
  }, 120_000);

  /** A copy of the run with 2,400 distinct samples (each kept sample's answer with a numbered comment), over the export's helper threshold. */
  const bigRun = () => {
    const big = tempDir('pretokenize-big');
    cpSync(out, big, { recursive: true });
    const kept = readJsonl<SampleRecord>(join(out, 'samples.jsonl'));
    const rows = Array.from({ length: 2_400 }, (_, i) => {
      const r = structuredClone(kept[i % kept.length]!);
      r.id = `${r.id}-${i}`;
      r.messages[r.messages.length - 1]!.content += `\n# variant ${i}`;
      return JSON.stringify(r);
    });
    writeFileSync(join(big, 'samples.jsonl'), `${rows.join('\n')}\n`);
    return { big, rows };
  };

  it('tokenizes a large export in helper processes, row for row what the mask code gives', async () => {
    const { big, rows } = bigRun();
    const dest = tempDir('pretokenize-big-export');
    expect(await main(['export', big, '--format', 'tokenized', '--out', dest, '--val-ratio', '0'])).toBe(0);
    const report = JSON.parse(read(join(dest, 'tokenized'), 'export.json')) as { exported: number; tokenizedBy: Record<string, number> };
    expect(report.exported).toBe(2_400);
    if (availableParallelism() > 1) expect(report.tokenizedBy).toEqual({ duringRun: 0, exportHelpers: 2_400, inline: 0 });
    else expect(report.tokenizedBy).toEqual({ duringRun: 0, exportHelpers: 0, inline: 2_400 });
    const tok = loadChatTokenizer('qwen2.5');
    const byId = new Map(rows.map((l) => JSON.parse(l) as SampleRecord).map((r) => [r.id, r]));
    const exported = readJsonl<{ id: string; input_ids: number[]; labels: number[] }>(join(dest, 'tokenized', 'train.jsonl'));
    expect(exported).toHaveLength(2_400);
    for (const row of exported.filter((_, i) => i % 97 === 0)) {
      const t = tokenizeConversation(tok, weightConversation(byId.get(row.id)!.messages, 'all'));
      expect(row.input_ids, row.id).toEqual(t.input_ids);
      expect(row.labels, row.id).toEqual(t.labels);
    }
  }, 300_000);

  it.skipIf(availableParallelism() < 2)('says so when the export\'s helpers fail, and tokenizes their samples itself: the same rows', async () => {
    const { big } = bigRun();
    const tok = loadChatTokenizer('qwen2.5');
    const broken: ChatTokenizer = { ...tok, addedTokens: tok.addedTokens, recipe: { module: new URL('./no-such-module.js', import.meta.url).href, export: 'loadChatTokenizer', spec: 'qwen2.5' } };
    const warnings: string[] = [];
    const log: Logger = { info: () => undefined, debug: () => undefined, warn: (m) => warnings.push(m) };
    const settings = exportSettingsSchema.parse({ valRatio: 0 });
    const written = async (tokenizer: ChatTokenizer, dest: string, withLog?: Logger) => {
      const ctx = exportContextFor(big, dest, () => tokenizer);
      try {
        const res = await writeExport(ctx, settings, { format: 'tokenized', exporter: 'exporter:test', description: 'rows', toRow: (s) => ({ id: s.id, input_ids: s.input_ids, labels: s.labels }), log: withLog });
        return { rows: readFileSync(join(res.dir, 'train.jsonl'), 'utf8'), report: JSON.parse(read(res.dir, 'export.json')) as { tokenizedBy: Record<string, number> } };
      } finally {
        releasePrepared(ctx);
      }
    };
    const failed = await written(broken, tempDir('pretokenize-broken'), log);
    expect(failed.report.tokenizedBy).toEqual({ duringRun: 0, exportHelpers: 0, inline: 2_400 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/export pretokenizer: failed .*the export tokenizes the remaining samples itself/);
    const helped = await written(tok, tempDir('pretokenize-helped'));
    expect(helped.report.tokenizedBy.exportHelpers).toBe(2_400);
    expect(failed.rows).toBe(helped.rows);
  }, 300_000);

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
