import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRecord, mulberry32, type SampleRecord } from '../../../core/index.js';
import { createHarness } from '../../../core/testing/index.js';
import dedup from './index.js';
import { dedupCommand } from './command.js';
import { Deduplicator } from './deduplicator.js';
import { exactJaccard, MinHasher } from './minhash.js';
import { dedupOptions } from './options.js';

const seed = { id: 's', language: 'python', code: 'pass', source: { path: 'x.py' }, kind: 'function' as const, meta: {} };
// A record as it reaches the filters: past verification.
const sample = (instruction: string, response: string): SampleRecord => ({
  ...createRecord({ seed, strategy: 'strategy:test', messages: [{ role: 'user', content: instruction }, { role: 'assistant', content: response }] }),
  stage: 'verified',
});

const LONG =
  'Write a Python function that reads a list of integers and returns the length of the longest strictly increasing contiguous run, returning zero for an empty list and handling negative numbers and repeated values correctly in every case';

describe('filter:dedup', () => {
  it('drops an exact duplicate pair that differs only in whitespace and case of the instruction, naming the kept sample', async () => {
    const h = await createHarness([dedup]);
    const a = sample('Add two numbers.', 'def add(a, b):\n    return a + b');
    const b = sample('  add TWO   numbers. ', 'def add(a, b):\n    return a + b');
    const [ra, rb] = await h.filter([a, b]);
    expect(ra!.dropped).toBeUndefined();
    expect(rb!.dropped).toMatchObject({ stage: 'filtered', plugin: 'filter:dedup', category: 'exact_duplicate', reason: expect.stringContaining(`exact duplicate of sample ${a.id}`) });
    expect(rb!.meta['filter:dedup']).toEqual({ kind: 'exact', scope: 'pair', of: a.id, similarity: 1 });
  });

  it('drops a lightly edited instruction as a near-duplicate with its Jaccard similarity, keeps an unrelated one and the same answer to another task', async () => {
    const h = await createHarness([dedup]);
    const first = sample(LONG, 'def f(xs): ...');
    const edited = sample(LONG.replace('contiguous run', 'contiguous stretch'), 'def g(xs): ...');
    const other = sample('Implement a token-bucket rate limiter class with acquire and release methods that is safe to share between threads', 'def f(xs): ...');
    const out = await h.filter([first, edited, other]);
    expect(out.map((r) => r.dropped?.category)).toEqual([undefined, 'near_duplicate', undefined]);
    const m = out[1]!.meta['filter:dedup'] as { of: string; similarity: number };
    expect(m.of).toBe(first.id);
    expect(m.similarity).toBeGreaterThanOrEqual(0.7);
    expect(out[1]!.dropped!.reason).toMatch(new RegExp(`near-duplicate of sample ${first.id} \\(instruction, Jaccard 0\\.\\d\\d ≥ 0\\.7\\)`));
  });

  it('rebuilds its index from replayed records, so a resumed run drops what an uninterrupted one drops', async () => {
    const records = () => [sample(LONG, 'a'), sample('Parse an ISO 8601 date string into a tuple of year, month and day integers', 'b'), sample(LONG.replace('zero', 'nothing'), 'c')];
    const whole = await (await createHarness([dedup])).filter(records());
    const resumed = await createHarness([dedup]);
    const [r0, r1, r2] = records();
    const ctx = { ...resumed.stage('filtered'), phase: 1, replay: true };
    for (const r of [r0!, r1!]) await resumed.hooks.filter.promise(r, ctx);
    expect(r0!.dropped).toBeUndefined();
    const [after] = await resumed.filter([r2!], 2);
    expect(after!.dropped).toEqual(whole[2]!.dropped);
    expect(after!.dropped?.category).toBe('near_duplicate');
  });

  it('refuses numPerm that is not a multiple of bands, naming the key', async () => {
    await expect(createHarness([[dedup, { numPerm: 100, bands: 16 }]])).rejects.toThrow(/plugins\.filter:dedup\.bands/);
  });

  it('estimates Jaccard within 0.1 of the exact value on random shingle sets', () => {
    const hasher = new MinHasher(128, 5);
    const rng = mulberry32(7);
    for (let t = 0; t < 20; t++) {
      const base = Array.from({ length: 200 }, () => (rng() * 2 ** 32) >>> 0);
      const keep = Math.floor(rng() * 200);
      const b = Uint32Array.from([...base.slice(0, keep), ...Array.from({ length: 200 - keep }, () => (rng() * 2 ** 32) >>> 0)]);
      const a = Uint32Array.from(base);
      const sa = hasher.signature(a);
      const sb = hasher.signature(b);
      let eq = 0;
      for (let i = 0; i < 128; i++) if (sa[i] === sb[i]) eq += 1;
      expect(Math.abs(eq / 128 - exactJaccard(a, b))).toBeLessThan(0.15);
    }
  });

  it('keeps the first of a group regardless of how many copies follow, and counts them', () => {
    const d = new Deduplicator(dedupOptions.parse({}), tmpdir());
    let dropped = 0;
    for (let i = 0; i < 50; i++) {
      const p = d.prepare(sample(i % 10 === 0 ? LONG : `${LONG} variant number ${i} ${'extra words here '.repeat(i % 10)}`, String(i % 10)));
      if (d.find(p)) dropped += 1;
      else d.add(p);
    }
    expect(d.size + dropped).toBe(50);
    expect(d.size).toBeLessThan(20);
  });
});

describe('instructsmith dedup FILE', () => {
  it('writes kept, removed (with the duplicated sample and similarity) and a summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dedup-cmd-'));
    const file = join(dir, 'data.jsonl');
    const rows = [
      { instruction: LONG, output: 'x' },
      { instruction: LONG, output: 'x' },
      { instruction: LONG.replace('longest', 'longest possible'), output: 'y' },
      { instruction: 'Reverse the words of a sentence while keeping punctuation attached to each word', output: 'z' },
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    let printed = '';
    await dedupCommand.run([file], { exact: 'pair', near: 'instruction', threshold: '0.7', numPerm: '120', bands: '20', shingle: '5' }, { out: (t) => (printed += t), log: { info() {}, warn() {}, debug() {} } });
    const read = (n: string) => readFileSync(join(dir, 'data.dedup', n), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(read('kept.jsonl')).toEqual([rows[0], rows[3]]);
    const removed = read('removed.jsonl');
    expect(removed.map((r) => [r.removed.line, r.removed.category])).toEqual([[2, 'exact_duplicate'], [3, 'near_duplicate']]);
    expect(removed[1].removed.of).toBe(removed[0].removed.of);
    expect(JSON.parse(readFileSync(join(dir, 'data.dedup', 'summary.json'), 'utf8'))).toMatchObject({ read: 4, kept: 2, removed: 2 });
    expect(printed).toMatch(/4 samples read, 2 kept, 2 removed \(exact_duplicate 1, near_duplicate 1\)/);
  });
});
