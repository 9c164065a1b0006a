import { describe, expect, it } from 'vitest';
import type { Seed } from '../../../core/index.js';
import { createHarness } from '../../../core/testing/index.js';
import { poolSeed } from '../pool-fixture.js';
import dedup from './index.js';

// Through the test kit as a run applies it; every seed not selected must be dropped with a reason.
async function select(options: unknown, seeds: Seed[]) {
  const out = await (await createHarness([[dedup, options]])).select(seeds);
  expect(out.summary.selectors).toMatchObject([{ plugin: 'selector:dedup', in: seeds.length, out: out.selected.length, unaccounted: 0 }]);
  return { selected: out.selected, dropped: out.dropped, report: out.reports['selector:dedup']! };
}

const LONG =
  'Write a Python function that reads a list of integers and returns the length of the longest strictly increasing contiguous run, returning zero for an empty list and handling negative numbers and repeated values correctly in every case';
const OTHER = 'Implement a token bucket rate limiter class with acquire and release methods that is safe to share between threads and refills at a fixed rate';

describe('selector:dedup', () => {
  it('keeps the first of each group in pool order and names the kept row for exact and near-duplicates', async () => {
    const seeds = [
      poolSeed(1, LONG, 'def f(xs): ...'),
      poolSeed(2, OTHER, 'class Bucket: ...'),
      poolSeed(3, `  ${LONG.toUpperCase()}  `, 'another answer'),
      poolSeed(4, LONG.replace('contiguous run', 'contiguous stretch'), 'def g(xs): ...'),
      poolSeed(5, 'Parse an ISO 8601 date string into a tuple of year, month and day integers', 'def parse(s): ...'),
      poolSeed(1, OTHER.replace('fixed rate', 'constant rate'), 'class B: ...', {}, 'more/pool-2.jsonl'),
    ];
    const { selected, dropped, report } = await select({}, seeds);
    expect(selected.map((s) => `${s.source.path}:${s.source.line}`)).toEqual(['pool.jsonl:1', 'pool.jsonl:2', 'pool.jsonl:5']);
    expect(dropped.map((d) => [d.seed.source.line, d.category])).toEqual([[3, 'exact_duplicate'], [4, 'near_duplicate'], [1, 'near_duplicate']]);
    expect(dropped[0]!.reason).toBe('exact duplicate of pool.jsonl:1 (instruction, normalised text identical)');
    expect(dropped[1]!.reason).toMatch(/^near-duplicate of pool\.jsonl:1 \(instruction, Jaccard 0\.\d\d ≥ 0\.7\)$/);
    expect(dropped[2]!.reason).toMatch(/^near-duplicate of pool\.jsonl:2 \(instruction, Jaccard 0\.\d\d ≥ 0\.7\)$/);
    expect(report).toMatchObject({ read: 6, kept: 3, dropped: { exact_duplicate: 1, near_duplicate: 2 } });
  });

  it('compares instruction and response together with scope pair: the same task with another answer is kept', async () => {
    const seeds = [poolSeed(1, LONG, 'def f(xs):\n    return 0'), poolSeed(2, LONG, 'def f(xs):\n    return 0'), poolSeed(3, LONG, 'A different, much longer explanation with its own code and words '.repeat(4))];
    const { selected, dropped } = await select({ exact: 'pair', near: 'pair' }, seeds);
    expect(selected.map((s) => s.source.line)).toEqual([1, 3]);
    expect(dropped).toMatchObject([{ category: 'exact_duplicate', reason: 'exact duplicate of pool.jsonl:1 (pair, normalised text identical)' }]);
    const byInstruction = await select({}, seeds);
    expect(byInstruction.selected.map((s) => s.source.line)).toEqual([1]);
  });

  it('keeps distinct rows of a larger pool and drops every planted copy, whatever its position', async () => {
    const topics = ['binary search', 'merge sort', 'a trie', 'Dijkstra', 'an LRU cache', 'run-length encoding', 'matrix transpose', 'a bloom filter'];
    const rows = topics.flatMap((t, i) => [`Implement ${t} in Python with type hints, docstrings and tests for edge cases number ${i}`, `Explain the time complexity of ${t} and when it beats the simpler alternatives in practice`]);
    const seeds = rows.map((r, i) => poolSeed(i + 1, r, 'ok'));
    // Copies planted after the originals, each a lightly edited or re-cased version.
    rows.forEach((r, i) => i % 3 === 0 && seeds.push(poolSeed(100 + i, i % 2 ? r.toLowerCase() : `${r}.`, 'ok')));
    const { selected, dropped } = await select({}, seeds);
    expect(selected).toHaveLength(rows.length);
    expect(dropped.every((d) => d.seed.source.line! >= 100)).toBe(true);
    expect(dropped.map((d) => d.reason.match(/of pool\.jsonl:(\d+)/)![1])).toEqual(rows.flatMap((_, i) => (i % 3 === 0 ? [String(i + 1)] : [])));
  });

  it('refuses numPerm that is not a multiple of bands, naming the key', async () => {
    await expect(createHarness([[dedup, { numPerm: 100, bands: 16 }]])).rejects.toThrow(/plugins\.selector:dedup\.bands/);
  });
});
