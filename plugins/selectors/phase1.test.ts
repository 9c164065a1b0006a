import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHarness } from '../../core/testing/index.js';
import { writeCodePool } from '../../test/fixtures/pool.js';
import poolSeeds from '../seeds/pool/index.js';
import dedup from './dedup/index.js';
import { poolSeed } from './pool-fixture.js';
import retrieve from './retrieve/index.js';
import rules from './rules/index.js';

const HUMANEVAL = resolve(import.meta.dirname, '../../../shared/data/humaneval/HumanEval.jsonl.gz');
const CLOSE = 'Write a function that checks whether any two numbers in a list are closer to each other than a given threshold';
const code = (body: string) => `Here is one way:\n\n\`\`\`python\n${body}\n\`\`\``;

describe('Phase 1 selection: selector:rules -> selector:dedup -> selector:retrieve against HumanEval', () => {
  it('keeps the clean, unique, on-topic rows and accounts for every other row under the selector that dropped it', async () => {
    const pool = [
      poolSeed(1, CLOSE, code('def close(xs, t):\n    return any(abs(a - b) < t for i, a in enumerate(xs) for b in xs[i + 1:])')),
      poolSeed(2, 'Write a function that returns the longest string of a list, the first one on ties', code('import requests\nwords = requests.get(URL).json()\nprint(max(words, key=len))')),
      poolSeed(3, CLOSE.toUpperCase(), code('def close(xs, t): ...')),
      poolSeed(4, CLOSE.replace('a given threshold', 'the given threshold'), code('def near(xs, t): ...')),
      poolSeed(5, 'Write a short poem about the sea at night and the moon over the waves', code('print("the sea")')),
      poolSeed(6, 'Out of a list of strings, return the longest one; return the first in case of multiple strings of the same length', code('def longest(xs):\n    return max(xs, key=len) if xs else None')),
      poolSeed(7, 'Suggest a name for a bakery and save it to a file', code('with open("name.txt", "w") as f:\n    f.write("Crumbs")')),
      poolSeed(8, 'Filter an input list of strings only for the ones that start with a given prefix', ' '),
    ];
    const h = await createHarness([rules, dedup, [retrieve, { benchmarks: [{ format: 'humaneval', path: HUMANEVAL }], minScore: 25 }]]);
    const out = await h.select(pool);
    expect(out.selected.map((s) => s.source.line)).toEqual([1, 6]);
    // The chain is pulled row by row, so drops come in pool order whichever selector made them.
    expect(out.dropped.map((d) => [d.seed.source.line, d.plugin, d.category])).toEqual([
      [2, 'selector:rules', 'io'],
      [3, 'selector:dedup', 'exact_duplicate'],
      [4, 'selector:dedup', 'near_duplicate'],
      [5, 'selector:retrieve', 'not_retrieved'],
      [7, 'selector:rules', 'io'],
      [8, 'selector:rules', 'empty_response'],
    ]);
    expect(out.summary.selectors.map((s) => [s.plugin, s.in, s.out, s.unaccounted])).toEqual([
      ['selector:rules', 8, 5, 0],
      ['selector:dedup', 5, 3, 0],
      ['selector:retrieve', 3, 2, 0],
    ]);
    expect(out.dropped.find((d) => d.seed.source.line === 4)!.reason).toMatch(/^near-duplicate of pool\.jsonl:1 /);
    const rejected = readFileSync(join(h.runDir, 'selection', 'rejected.jsonl'), 'utf8').trim().split('\n');
    expect(rejected).toHaveLength(6);
  });

  it('on a pool read by seed:pool (two files, two formats), drops exactly the planted rows, each by the selector meant for it', async () => {
    const pool = writeCodePool(mkdtempSync(join(tmpdir(), 'sel-pool-')));
    const h = await createHarness([poolSeeds, rules, dedup, [retrieve, { benchmarks: [{ format: 'humaneval', path: HUMANEVAL }], topK: pool.rows - pool.planted.io - pool.planted.duplicates - pool.planted.offTopic }]]);
    const { seeds } = await h.readSeeds(pool.dir);
    expect(seeds).toHaveLength(pool.rows);
    const out = await h.select(seeds);
    const count = (plugin: string) => out.dropped.filter((d) => d.plugin === plugin).length;
    expect(count('selector:rules')).toBe(pool.planted.io);
    expect(count('selector:dedup')).toBe(pool.planted.duplicates);
    // The topK cut leaves room for the on-topic rows only: what it drops is the off-topic chat.
    const retrieved = out.dropped.filter((d) => d.plugin === 'selector:retrieve');
    expect(retrieved.map((d) => d.seed.code).sort()).toEqual(
      ['Write a short poem about autumn leaves.', 'What should I pack for a weekend hike in the mountains?', 'Summarise the plot of a famous novel about a whale.', 'Give me three tips for a job interview.'].sort(),
    );
    // Every dedup drop names a kept row of the pool by file and line.
    for (const d of out.dropped.filter((x) => x.plugin === 'selector:dedup')) expect(d.reason).toMatch(/duplicate of .*(a-messages\.jsonl|b-sharegpt\.jsonl\.gz):\d+ /);
    expect(out.summary.selectors.every((s) => s.unaccounted === 0)).toBe(true);
  });
});
