import { describe, expect, it } from 'vitest';
import type { Seed } from '../../../core/index.js';
import { createHarness } from '../../../core/testing/index.js';
import { poolSeed } from '../pool-fixture.js';
import rules from './index.js';

// Through the test kit as a run applies it; every seed not selected must be dropped with a reason.
async function select(options: unknown, seeds: Seed[]) {
  const out = await (await createHarness([[rules, options]])).select(seeds);
  expect(out.summary.selectors).toMatchObject([{ plugin: 'selector:rules', in: seeds.length, out: out.selected.length, unaccounted: 0 }]);
  return { selected: out.selected, dropped: out.dropped, report: out.reports['selector:rules']! };
}

const fence = (lang: string, code: string) => `Here you go:\n\n\`\`\`${lang}\n${code}\n\`\`\``;

describe('selector:rules', () => {
  it('drops rows with network or file I/O in code of several languages, naming what matched, and keeps pure code', async () => {
    const io = [
      poolSeed(1, 'Download the page and count its links', fence('python', 'import requests\nr = requests.get(url)\nprint(len(r.text))')),
      poolSeed(2, 'Count lines of a file', fence('python', 'with open("data.txt") as f:\n    print(sum(1 for _ in f))')),
      poolSeed(3, 'Read a config in Node', fence('javascript', "const fs = require('fs');\nconst cfg = JSON.parse(fs.readFileSync('c.json', 'utf8'));")),
      poolSeed(4, 'Call the API from the browser', fence('javascript', "const res = await fetch('/api/users');")),
      poolSeed(5, 'Read a file in C', fence('c', 'FILE *f = fopen("in.txt", "r");')),
      poolSeed(6, 'Serve HTTP in Go', fence('go', 'http.ListenAndServe(":8080", nil)')),
      poolSeed(7, 'Open a TCP connection in Python with socket.socket(AF_INET) and send hello', 'Sure.'),
    ];
    const pure = [
      poolSeed(8, 'Reverse a list in Python', fence('python', 'def rev(xs):\n    return xs[::-1]')),
      poolSeed(9, 'Explain how to open a door politely', 'Knock, then open it slowly.'),
      poolSeed(10, 'Fetch the largest element of an array', fence('javascript', 'const max = (xs) => Math.max(...xs);')),
    ];
    const { selected, dropped, report } = await select({}, [...io, ...pure]);
    expect(selected.map((s) => s.source.line)).toEqual([8, 9, 10]);
    expect(dropped.map((d) => [d.seed.source.line, d.category, d.reason])).toEqual([
      [1, 'io', 'io: requests.get( in response'],
      [2, 'io', 'io: open( in response'],
      [3, 'io', "io: require('fs') in response"],
      [4, 'io', 'io: fetch( in response'],
      [5, 'io', 'io: fopen( in response'],
      [6, 'io', 'io: http.ListenAndServe( in response'],
      [7, 'io', 'io: socket.socket( in instruction'],
    ]);
    expect(report).toMatchObject({ read: 10, kept: 3, dropped: { io: 7 } });
  });

  it('applies length bounds, empty responses and the non-code rule, each with its own category', async () => {
    const seeds = [
      poolSeed(1, 'hi', 'Hello!'),
      poolSeed(2, 'Write a haiku about autumn leaves', 'x'.repeat(60)),
      poolSeed(3, 'Sort a list of numbers in Python'),
      poolSeed(4, 'Sort a list of numbers in Python', '   '),
      poolSeed(5, 'Explain what recursion is in one paragraph', 'Recursion is when a function calls itself.'),
      poolSeed(6, 'Sort a list of numbers in Python', fence('python', 'sorted(xs)')),
    ];
    const { selected, dropped } = await select({ builtin: ['empty-response', 'length', 'non-code'], length: { response: { min: 1, max: 50 } } }, seeds);
    expect(selected.map((s) => s.source.line)).toEqual([6]);
    expect(dropped.map((d) => [d.seed.source.line, d.category, d.reason])).toEqual([
      [1, 'length', 'length: instruction 2 chars < min 10'],
      [2, 'length', 'length: response 60 chars > max 50'],
      [3, 'empty_response', 'empty-response: no assistant turn'],
      [4, 'empty_response', 'empty-response: every assistant turn is blank'],
      [5, 'non_code', 'non-code: no fenced code block in any assistant turn'],
    ]);
  });

  it('applies user rules (drop on match, keep only matching) and source globs over the path and the row\'s source field', async () => {
    const seeds = [
      poolSeed(1, 'Translate this sentence into French', 'Bonjour', { source: 'flan' }),
      poolSeed(2, 'As an AI language model, tell me a joke', 'Why did...', { source: 'sharegpt' }),
      poolSeed(3, 'Write a Python function to add two numbers', 'def add(a, b): return a + b', { source: 'code_alpaca' }),
      poolSeed(4, 'Write a Rust function to add two numbers', 'fn add(a: i32, b: i32) -> i32 { a + b }', {}, 'pools/rust-sharegpt.jsonl'),
      poolSeed(5, 'Write a Python class for a stack', 'class Stack: ...', { source: 'code_alpaca' }),
    ];
    const { selected, dropped } = await select(
      {
        builtin: [],
        sources: { deny: ['flan'] , allow: ['*alpaca*', '*sharegpt*'] },
        rules: [
          { name: 'ai-disclaimer', field: 'instruction', pattern: 'as an ai (language )?model', flags: 'i', action: 'drop' },
          { name: 'python-only', field: 'any', pattern: '\\bpython\\b', flags: 'i', action: 'keep' },
        ],
      },
      seeds,
    );
    expect(selected.map((s) => s.source.line)).toEqual([3, 5]);
    expect(dropped.map((d) => [d.seed.source.line, d.category, d.reason])).toEqual([
      [1, 'source_denied', 'source: "flan" matches deny glob "flan"'],
      [2, 'ai-disclaimer', 'ai-disclaimer: /as an ai (language )?model/i matched "As an AI language model" in instruction'],
      [4, 'python-only', 'python-only: no match of /\\bpython\\b/i in any field'],
    ]);
    const denyAll = await select({ builtin: [], sources: { allow: ['code_*'] } }, seeds.slice(0, 1));
    expect(denyAll.dropped[0]).toMatchObject({ category: 'source_not_allowed', reason: 'source: "pool.jsonl" / "flan" matches no allow glob ("code_*")' });
  });

  it('refuses a user rule whose pattern is not a regular expression, naming the key', async () => {
    await expect(createHarness([[rules, { rules: [{ name: 'bad', field: 'response', pattern: '([a-z', action: 'drop' }] }]])).rejects.toThrow(
      /plugins\.selector:rules\.rules\.0\.pattern.*not a valid regular expression/s,
    );
    await expect(createHarness([[rules, { builtin: ['io', 'nope'] }]])).rejects.toThrow(/plugins\.selector:rules\.builtin\.1/);
  });
});
