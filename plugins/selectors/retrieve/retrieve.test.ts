import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Seed } from '../../../core/index.js';
import { createHarness } from '../../../core/testing/index.js';
import { poolSeed } from '../pool-fixture.js';
import retrieve from './index.js';
import { TopK } from './top-k.js';

const HUMANEVAL = resolve(import.meta.dirname, '../../../../shared/data/humaneval/HumanEval.jsonl.gz');
const benchmarks = [{ format: 'humaneval', path: HUMANEVAL }];

// Through the test kit as a run applies it; every seed not selected must be dropped with a reason.
async function select(options: unknown, seeds: Seed[]) {
  const out = await (await createHarness([[retrieve, options]])).select(seeds);
  expect(out.summary.selectors).toMatchObject([{ plugin: 'selector:retrieve', in: seeds.length, out: out.selected.length, unaccounted: 0 }]);
  return { selected: out.selected, dropped: out.dropped, report: out.reports['selector:retrieve']! };
}

// Paraphrases of HumanEval tasks (0: close elements, 12: longest string, 29: filter by prefix) among everyday chat.
const ON = [
  [1, 'Write a function that checks whether any two numbers in a list are closer to each other than a given threshold', 'HumanEval/0'],
  [3, 'Out of a list of strings, return the longest one; return the first in case of multiple strings of the same length, None for an empty list', 'HumanEval/12'],
  [6, 'Filter an input list of strings only for the ones that start with a given prefix', 'HumanEval/29'],
] as const;
const OFF = [
  [2, 'Write a short poem about the sea at night and the moon over the waves'],
  [4, 'Summarise the plot of Pride and Prejudice in three sentences'],
  [5, 'Translate the following English sentence into German: I like trains.'],
  [7, 'Suggest a name for a bakery in a small mountain village'],
] as const;
const pool = () => [...ON, ...OFF].sort((a, b) => a[0] - b[0]).map(([line, text]) => poolSeed(line, text, 'answer'));

describe('selector:retrieve', () => {
  it('keeps rows close to HumanEval tasks by minScore and drops chat rows, naming the score and the best item', async () => {
    const { selected, dropped, report } = await select({ benchmarks, minScore: 25 }, pool());
    expect(selected.map((s) => s.source.line)).toEqual([1, 3, 6]);
    expect(dropped.map((d) => d.seed.source.line)).toEqual([2, 4, 5, 7]);
    for (const d of dropped) {
      expect(d.category).toBe('not_retrieved');
      expect(d.reason).toMatch(/^(BM25 \d+\.\d\d, best match HumanEval\/\d+|BM25 0: no term shared with any humaneval item) < minScore 25$/);
    }
    expect(report).toMatchObject({ read: 7, kept: 3, dropped: 4, against: 'humaneval (164 items)', cutoff: 25 });
    const q = report.scores as Record<string, number>;
    expect(q.p10).toBeLessThan(25);
    expect(q.max).toBeGreaterThan(100);
    expect(q.p10! <= q.p50! && q.p50! <= q.p90! && q.p90! <= q.max!).toBe(true);
    // With a bar no row reaches, every on-topic row's reason names the task it paraphrases.
    const all = await select({ benchmarks, minScore: 1e6 }, pool());
    const best = new Map(all.dropped.map((d) => [d.seed.source.line, d.reason.match(/best match (HumanEval\/\d+)/)?.[1]]));
    for (const [line, , item] of ON) expect(best.get(line)).toBe(item);
  });

  it('keeps the topK best rows in pool order, dropping the rest as they fall out, ties going to the earlier row', async () => {
    const seeds = [...pool(), poolSeed(8, ON[0][1], 'same task, asked again')];
    const { selected, dropped, report } = await select({ benchmarks, topK: 3 }, seeds);
    // Row 8 ties row 1 exactly: the earlier one stays.
    expect(selected.map((s) => s.source.line)).toEqual([1, 3, 6]);
    expect(dropped.map((d) => d.seed.source.line).sort()).toEqual([2, 4, 5, 7, 8]);
    expect(dropped.find((d) => d.seed.source.line === 8)!.reason).toMatch(/^not among the 3 best rows \(BM25 \d+\.\d\d, best match HumanEval\/0; the lowest kept so far scores \d+\.\d\d\)$/);
    expect(report).toMatchObject({ read: 8, kept: 3, dropped: 5 });
    expect(report.cutoff).toBeGreaterThan(25);
  });

  it('names the matching item of a jsonl evaluation set by its id field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sel-retrieve-eval-'));
    const file = join(dir, 'eval.jsonl');
    writeFileSync(file, [{ qid: 'sql-1', question: 'Write a SQL query that lists customers with more than five orders' }, { qid: 'rx-1', question: 'Write a regular expression that validates an email address' }].map((r) => JSON.stringify(r)).join('\n'));
    const seeds = [poolSeed(1, 'Give me a regular expression to validate an email address', 'ok'), poolSeed(2, 'Which customers placed more than five orders? Write the SQL query', 'ok')];
    const { dropped } = await select({ benchmarks: [{ format: 'jsonl', path: file, fields: { id: 'qid', prompts: ['question'] } }], minScore: 1000 }, seeds);
    expect(dropped.map((d) => d.reason.match(/best match (\S+)\)?/)?.[1])).toEqual(['rx-1', 'sql-1']);
  });

  it('refuses options without exactly one of topK and minScore, a jsonl set without its field, and a missing file', async () => {
    await expect(createHarness([[retrieve, { benchmarks }]])).rejects.toThrow(/plugins\.selector:retrieve\.minScore.*exactly one of minScore/s);
    await expect(createHarness([[retrieve, { benchmarks, topK: 5, minScore: 2 }]])).rejects.toThrow(/plugins\.selector:retrieve\.minScore/);
    await expect(createHarness([[retrieve, { benchmarks: [{ format: 'jsonl', path: HUMANEVAL }], topK: 5 }]])).rejects.toThrow(/plugins\.selector:retrieve\.benchmarks\.0\.fields/);
    await expect(createHarness([[retrieve, { benchmarks: [{ format: 'humaneval', path: '/nonexistent/he.jsonl' }], topK: 5 }]])).rejects.toThrow(/\/nonexistent\/he\.jsonl.*benchmark file not found/s);
    await expect(createHarness([[retrieve, { benchmarks: [{ format: 'humaneval', path: HUMANEVAL, fields: { prompts: ['question'] } }], topK: 5 }]])).rejects.toThrow(/HumanEval\.jsonl\.gz.*no evaluation item has text in "question" \(164 items read\)/s);
  });
});

describe('TopK', () => {
  it('holds the k best of a stream, returns what leaves, and gives them back in stream order', () => {
    const t = new TopK<string>(3);
    const scores = [5, 1, 9, 5, 7, 2, 9];
    const left: number[] = [];
    scores.forEach((score, index) => {
      const out = t.offer({ score, index, value: String(index) });
      if (out) left.push(out.index);
    });
    expect(t.inOrder().map((e) => e.index)).toEqual([2, 4, 6]);
    expect(left.sort()).toEqual([0, 1, 3, 5]);
  });
});
