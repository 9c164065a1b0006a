import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatTokenizer } from './chat-tokenizer.js';
import { exportContextFor } from './run-dir.js';
import { exportSettingsSchema, prepareDataset, releasePrepared, type PreparedSample } from './prepare.js';

/**
 * The order of the splits does not depend on the tokenizer, so core's test needs no real one
 * (those live in training/): one id per code point, ChatML turns, two control tokens above the
 * Unicode range so they can never collide with text.
 */
const CONTROL = new Map([
  ['<|im_start|>', 0x110000],
  ['<|im_end|>', 0x110001],
]);
const codePoints = (text: string) => [...text].map((c) => c.codePointAt(0)!);
const charTokenizer: ChatTokenizer = {
  name: 'test-chars',
  chatTemplate: "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}",
  addedTokens: CONTROL,
  encodeTemplate: (text) => text.split(/(<\|im_start\|>|<\|im_end\|>)/).flatMap((part) => (CONTROL.has(part) ? [CONTROL.get(part)!] : codePoints(part))),
  encodeContent: codePoints,
  decode: (ids) => ids.map((id) => [...CONTROL].find(([, v]) => v === id)?.[0] ?? String.fromCodePoint(id)).join(''),
  render: (messages, addGenerationPrompt = false) => messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('') + (addGenerationPrompt ? '<|im_start|>assistant\n' : ''),
};

/** A run directory of `n` distinct samples; sample i has rank `rankOf(i)` (undefined: no curriculum). */
function runWithRanks(n: number, rankOf: (i: number) => number | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'curriculum-run-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ preset: 'semi-instruct', config: {}, funnel: {} }));
  const lines = Array.from({ length: n }, (_, i) => {
    const rank = rankOf(i);
    return JSON.stringify({
      id: `s${i}`,
      language: 'python',
      messages: [
        { role: 'user', content: `Write f${i}.` },
        { role: 'assistant', content: `def f${i}():\n    return ${i}\n` },
      ],
      meta: rank === undefined ? {} : { curriculum: { by: 'test_cases', value: rank, rank } },
    });
  });
  writeFileSync(join(dir, 'samples.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

async function splits(runDir: string, raw: Record<string, unknown>) {
  const ctx = exportContextFor(runDir, mkdtempSync(join(tmpdir(), 'curriculum-out-')), () => charTokenizer);
  const prepared = await prepareDataset(ctx, exportSettingsSchema.parse(raw));
  const read = async (name: 'train' | 'validation') => {
    const rows: PreparedSample[] = [];
    for await (const row of prepared.split(name)) rows.push(row);
    return rows;
  };
  const result = { report: prepared.report, train: await read('train'), validation: await read('validation') };
  releasePrepared(ctx);
  return result;
}

// Ranks 1..5 by a fixed pattern; every seventh sample has none.
const RANK = (i: number) => (i % 7 === 3 ? undefined : ((i * 5) % 5) + ((i * 3) % 5) + 1);

describe('export order: curriculum', () => {
  it('sorts the train split by ascending rank, ties in the seeded shuffle order, unranked last', async () => {
    const run = runWithRanks(60, RANK);
    const shuffled = await splits(run, { seed: 9, valRatio: 0.1 });
    const curriculum = await splits(run, { seed: 9, valRatio: 0.1, order: 'curriculum' });

    // Same validation sample in both orders, same train set.
    expect(curriculum.validation.map((r) => r.id)).toEqual(shuffled.validation.map((r) => r.id));
    expect(curriculum.train.map((r) => r.id).sort()).toEqual(shuffled.train.map((r) => r.id).sort());

    const ranks = curriculum.train.map((r) => r.curriculum?.rank ?? Number.POSITIVE_INFINITY);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(ranks.at(-1)).toBe(Number.POSITIVE_INFINITY);
    // Within each rank, the shuffle's relative order is kept (a stable sort of the shuffled train split).
    const expected = shuffled.train
      .map((r, i) => ({ id: r.id, rank: r.curriculum?.rank ?? Number.POSITIVE_INFINITY, i }))
      .sort((a, b) => (a.rank === b.rank ? a.i - b.i : a.rank < b.rank ? -1 : 1))
      .map((r) => r.id);
    expect(curriculum.train.map((r) => r.id)).toEqual(expected);
    // The shuffled train split is not already sorted, or the checks above would prove nothing.
    const shuffledRanks = shuffled.train.map((r) => r.curriculum?.rank ?? Number.POSITIVE_INFINITY);
    expect(shuffledRanks).not.toEqual([...shuffledRanks].sort((a, b) => a - b));
  });

  it('reports the ranks of the train split in both orders', async () => {
    const run = runWithRanks(40, RANK);
    for (const order of ['shuffle', 'curriculum'] as const) {
      const { report, train } = await splits(run, { seed: 3, valRatio: 0, order });
      const unranked = train.filter((r) => r.curriculum === undefined).length;
      expect(report.settings.order).toBe(order);
      expect(report.curriculum.unranked).toBe(unranked);
      expect(report.curriculum.ranked).toBe(train.length - unranked);
      const byRank: Record<string, number> = {};
      for (const r of train) if (r.curriculum) byRank[String(r.curriculum.rank)] = (byRank[String(r.curriculum.rank)] ?? 0) + 1;
      expect(report.curriculum.byRank).toEqual(byRank);
      expect(Object.keys(report.curriculum.byRank).map(Number)).toEqual(Object.keys(byRank).map(Number).sort((a, b) => a - b));
    }
  });

  it('negative ranks (most-first curricula) come before positive ones; no ranks at all leaves the shuffle', async () => {
    const neg = await splits(runWithRanks(20, (i) => -(i % 4)), { seed: 1, valRatio: 0, order: 'curriculum' });
    const ranks = neg.train.map((r) => r.curriculum!.rank);
    expect(ranks[0]).toBe(-3);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

    const none = runWithRanks(20, () => undefined);
    const a = await splits(none, { seed: 5, valRatio: 0, order: 'curriculum' });
    const b = await splits(none, { seed: 5, valRatio: 0 });
    expect(a.train.map((r) => r.id)).toEqual(b.train.map((r) => r.id));
    expect(a.report.curriculum).toEqual({ ranked: 0, unranked: 20, byRank: {} });
  });
});
