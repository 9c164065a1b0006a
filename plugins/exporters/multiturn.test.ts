import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRecord, IGNORE_INDEX, type ChatMessage, type SampleRecord, type Seed } from '../../core/index.js';
import { createHarness, type PluginWithOptions } from '../../core/testing/index.js';
import { loadChatTokenizer } from '../../training/tokenizer.js';
import huggingfaceTokenizer from '../tokenizers/huggingface.js';
import { exporters } from './index.js';

const tok = loadChatTokenizer('qwen2.5');
const IM_END = 151645;
const LABEL = { ability_en: ['sorting', 'unit testing'], cate_ability_en: ['Programming and Software Development'] };

const seed: Seed = { id: 'pool-3', language: 'python', code: 'x', source: { path: 'pool.jsonl', line: 3 }, kind: 'record', meta: {} };
/** A 3-round conversation (3 assistant turns), as responder:conversation writes it. */
const THREE_ROUNDS: ChatMessage[] = [
  { role: 'user', content: 'Write a Python function `top_k(values, k)` returning the k largest values, largest first.' },
  { role: 'assistant', content: '```python\ndef top_k(values, k):\n    return sorted(values, reverse=True)[:k]\n```' },
  { role: 'user', content: 'Can you make `top_k` use a heap so it runs in O(n log k)?' },
  { role: 'assistant', content: '```python\nimport heapq\n\n\ndef top_k(values, k):\n    return heapq.nlargest(k, values)\n```' },
  { role: 'user', content: 'Please write unit tests for `top_k`.' },
  { role: 'assistant', content: '```python\ndef test_top_k():\n    assert top_k([3, 1, 2], 2) == [3, 2]\n```' },
];

function record(messages: ChatMessage[], label?: SampleRecord['label']): SampleRecord {
  const r = createRecord({ seed, strategy: 'strategy:infinity', messages, generation: 1 });
  r.stage = 'kept';
  if (label) r.label = label;
  return r;
}

async function exportAll(records: SampleRecord[], trainOn: 'all' | 'last') {
  const outDir = mkdtempSync(join(tmpdir(), 'export-multiturn-'));
  const entries: PluginWithOptions[] = [huggingfaceTokenizer, ...(['messages', 'sharegpt', 'alpaca', 'tokenized'] as const).map((f): PluginWithOptions => [exporters[f], { valRatio: 0, trainOn }])];
  const h = await createHarness(entries);
  await h.exportRecords(records, { outDir });
  const rows = (format: string) => readFileSync(join(outDir, format, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  return { rows };
}

/**
 * The expected ids and loss weights of a conversation under Qwen2.5's ChatML, built segment by
 * segment, independently of core/export/mask.ts: the default system prompt (weight 0), then per
 * message `<|im_start|>role\n` (0), the content (1 on trained assistant turns), `<|im_end|>`
 * (trained with the turn it ends) and `\n` (0).
 */
function expectedTokens(messages: ChatMessage[], trained: boolean[]): { ids: number[]; weights: number[] } {
  const ids: number[] = [];
  const weights: number[] = [];
  const push = (xs: number[], w: number) => xs.forEach((x) => (ids.push(x), weights.push(w)));
  push(tok.encodeTemplate('<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n'), 0);
  messages.forEach((m, i) => {
    const w = trained[i] ? 1 : 0;
    push(tok.encodeTemplate(`<|im_start|>${m.role}\n`), 0);
    push(tok.encodeContent(m.content), w);
    push([IM_END], w);
    push(tok.encodeTemplate('\n'), 0);
  });
  return { ids, weights };
}

describe('exporters: label and multi-turn conversations', () => {
  it('messages, ShareGPT and Alpaca rows carry the record\'s label beside the conversation, and no label key when it has none', async () => {
    const plain = THREE_ROUNDS.slice(0, 2).map((m) => ({ ...m, content: `${m.content} (untagged)` }));
    const { rows } = await exportAll([record(THREE_ROUNDS, LABEL), record(plain)], 'all');
    const tagged = (format: string) => rows(format).find((r) => 'label' in r)!;
    const untagged = (format: string) => rows(format).filter((r) => !('label' in r));

    expect(tagged('messages')).toMatchObject({ label: LABEL, messages: THREE_ROUNDS.map((m) => ({ ...m, weight: m.role === 'assistant' ? 1 : 0 })) });
    expect(tagged('sharegpt')).toMatchObject({ label: LABEL, system: '', conversations: THREE_ROUNDS.map((m) => ({ from: m.role === 'user' ? 'human' : 'gpt', value: m.content })) });
    expect(tagged('alpaca')).toMatchObject({
      label: LABEL,
      instruction: THREE_ROUNDS[4]!.content,
      output: THREE_ROUNDS[5]!.content,
      history: [[THREE_ROUNDS[0]!.content, THREE_ROUNDS[1]!.content], [THREE_ROUNDS[2]!.content, THREE_ROUNDS[3]!.content]],
    });
    for (const format of ['messages', 'sharegpt', 'alpaca']) expect(untagged(format)).toHaveLength(1);
  });

  for (const trainOn of ['all', 'last'] as const) {
    it(`tokenized: the loss mask of a 3-round conversation, token by token (trainOn ${trainOn})`, async () => {
      const { rows } = await exportAll([record(THREE_ROUNDS, LABEL)], trainOn);
      const [row] = rows('tokenized') as Array<{ input_ids: number[]; labels: number[]; assistant_masks: number[]; attention_mask: number[] }>;
      const trained = THREE_ROUNDS.map((m, i) => m.role === 'assistant' && (trainOn === 'all' || i === THREE_ROUNDS.length - 1));
      const want = expectedTokens(THREE_ROUNDS, trained);
      expect(row!.input_ids).toEqual(want.ids);
      expect(row!.assistant_masks).toEqual(want.weights);
      expect(row!.labels).toEqual(want.ids.map((id, i) => (want.weights[i] === 1 ? id : IGNORE_INDEX)));
      expect(row!.attention_mask.every((x) => x === 1)).toBe(true);
      // The trained tokens decode to exactly the trained assistant turns, each with its end-of-turn token.
      const runs: string[] = [];
      let cur: number[] = [];
      row!.labels.forEach((l, i) => {
        if (l !== IGNORE_INDEX) cur.push(l);
        if ((l === IGNORE_INDEX || i === row!.labels.length - 1) && cur.length) (runs.push(tok.decode(cur)), (cur = []));
      });
      expect(runs).toEqual(THREE_ROUNDS.filter((_, i) => trained[i]).map((m) => `${m.content}<|im_end|>`));
      expect(runs).toHaveLength(trainOn === 'all' ? 3 : 1);
      // And the messages export weights the same turns.
      expect((rows('messages')[0]!.messages as ChatMessage[]).map((m) => m.weight)).toEqual(trained.map((t) => (t ? 1 : 0)));
    });
  }
});
