import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Label, Seed } from '../../../core/index.js';
import { createHarness, MockModel, type MockRequest, type PluginHarness } from '../../../core/testing/index.js';
import { tagsReply } from '../../providers/mock/scripted-tags.js';
import tag from '../tag.js';
import match from './index.js';

const HUMANEVAL = resolve(import.meta.dirname, '../../../../shared/data/humaneval/HumanEval.jsonl.gz');
const humaneval = [{ format: 'humaneval', path: HUMANEVAL }];

function poolSeed(i: number, user: string, label?: Label): Seed {
  return { id: `s${i}`, language: 'python', code: user, source: { path: 'pool.jsonl', line: i + 1 }, kind: 'record', meta: {}, messages: [{ role: 'user', content: user }], ...(label ? { label } : {}) };
}

/** A pool skewed towards string tasks (HumanEval spreads over maths, strings, lists and more). */
function skewedPool(n: number): Seed[] {
  const common = ['reverse each string', 'uppercase the string', 'strip a string of spaces', 'split the string on commas'];
  const rare = ['sum of the digits of an integer', 'check whether a number is prime', 'sort the list of integers', 'count the even values in the list', 'balanced brackets'];
  return Array.from({ length: n }, (_, i) => poolSeed(i, `Write a function to ${i % 6 === 0 ? rare[(i / 6) % rare.length] : common[i % common.length]} (row ${i}).`));
}

function evalFile(items: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'match-')), 'eval.jsonl');
  writeFileSync(file, items.map((p, i) => JSON.stringify({ id: `e${i}`, prompt: p })).join('\n') + '\n');
  return file;
}

/** `harness.select`, checking that every seed was let through or dropped; the report is `plugin`'s. */
async function drainSelect(h: PluginHarness, seeds: readonly Seed[], plugin = 'selector:match') {
  const run = await h.select(seeds);
  for (const c of run.summary.selectors) expect(c.unaccounted).toBe(0);
  return { selected: run.selected, dropped: run.dropped, report: run.reports[plugin] ?? {} };
}

describe('selector:match', () => {
  it('selects rows whose category distribution follows HumanEval, in pool order, and drops the rest (scripted model)', async () => {
    const model = new MockModel().reply((req) => tagsReply(req));
    const h = await createHarness([tag, [match, { benchmarks: humaneval, size: 60 }]], { model });
    const pool = skewedPool(300);
    const { selected, dropped, report } = await drainSelect(h, pool);

    const failed = dropped.filter((d) => d.category === 'tagging_failed');
    const notChosen = dropped.filter((d) => d.category === 'distribution');
    expect(failed.length).toBeGreaterThan(0);
    expect(selected).toHaveLength(60);
    expect(selected.length + failed.length + notChosen.length).toBe(pool.length);
    const order = selected.map((s) => Number(s.id.slice(1)));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(notChosen[0]!.reason).toMatch(/^not chosen by distribution matching \(level 2: .+\)$/);

    const divergence = report.divergence as { before: number; after: number };
    expect(divergence.before).toBeGreaterThan(0.1);
    expect(divergence.after).toBeLessThan(divergence.before * 0.6);
    expect(report).toMatchObject({ level: 2, candidates: pool.length - failed.length, selected: 60, evaluation: { items: 164 } });
    const table = report.table as { tag: string; eval: number; candidates: number; selected: number }[];
    const strings = table.find((r) => r.tag === 'String Processing')!;
    expect(strings.candidates).toBeGreaterThan(strings.eval);
    expect(Math.abs(strings.selected - strings.eval)).toBeLessThan(Math.abs(strings.candidates - strings.eval));
    expect(table.reduce((a, r) => a + r.eval, 0)).toBeCloseTo(1, 3);

    // Deterministic: the same pool gives the same selection.
    const again = await drainSelect(await createHarness([tag, [match, { benchmarks: humaneval, size: 60 }]], { model: new MockModel().reply((req) => tagsReply(req)) }), pool);
    expect(again.selected.map((s) => s.id)).toEqual(selected.map((s) => s.id));
  });

  it('fills the evaluation set quotas exactly on a small case: ties go to the earliest row', async () => {
    const file = evalFile(['task alpha', 'task beta']);
    const model = new MockModel().reply({ schema: 'infinity_tags' }, (req: MockRequest) => ({ abilities: ['x'], categories: [req.lastUser.includes('alpha') ? 'Algorithms' : 'Mathematics'] }));
    const h = await createHarness([[match, { benchmarks: [{ path: file, fields: { id: 'id', prompts: ['prompt'] } }], size: 4 }]], { model });
    const a: Label = { ability_en: ['x'], cate_ability_en: ['Algorithms'] };
    const m: Label = { ability_en: ['x'], cate_ability_en: ['Mathematics'] };
    const pool = [a, a, a, a, a, a, m, m].map((label, i) => poolSeed(i, `row ${i}`, label));
    const { selected, dropped, report } = await drainSelect(h, pool);
    expect(selected.map((s) => s.id)).toEqual(['s0', 's1', 's6', 's7']);
    expect(dropped.map((d) => [d.seed.id, d.category])).toEqual(['s2', 's3', 's4', 's5'].map((id) => [id, 'distribution']));
    expect((report.divergence as { after: number }).after).toBe(0);
    // Labelled candidates are not tagged again: only the two evaluation items were asked.
    expect(model.count({ schema: 'infinity_tags' })).toBe(2);
  });

  it('matches level-1 tags with level: 1, takes ratio, and drops rows without a tag at that level', async () => {
    const file = evalFile(['one', 'two']);
    const model = new MockModel().reply({ schema: 'infinity_tags' }, (req: MockRequest) => ({ abilities: [req.lastUser.includes('one') ? 'Recursion' : 'Hash Maps'], categories: ['Algorithms'] }));
    const h = await createHarness([[match, { benchmarks: [{ path: file, fields: { id: 'id', prompts: ['prompt'] } }], level: 1, ratio: 0.5 }]], { model });
    const pool = [['recursion'], ['sorting'], ['hash map'], ['sorting'], [], ['sorting']].map((t, i) => poolSeed(i, `row ${i}`, { ability_en: t, cate_ability_en: ['Algorithms'] }));
    const { selected, dropped } = await drainSelect(h, pool);
    expect(selected.map((s) => s.id)).toEqual(['s0', 's1', 's2']);
    expect(dropped.find((d) => d.seed.id === 's4')).toMatchObject({ category: 'distribution', reason: 'no level-1 tag to match on' });
  });

  it('tags unlabelled candidates itself and drops overflow beyond maxCandidates (buffer_full)', async () => {
    const model = new MockModel().reply((req) => tagsReply(req));
    const h = await createHarness([[match, { benchmarks: humaneval, ratio: 1, maxCandidates: 10 }]], { model });
    const { selected, dropped, report } = await drainSelect(h, skewedPool(16));
    const full = dropped.filter((d) => d.category === 'buffer_full');
    expect(full).toHaveLength(16 - 10 - dropped.filter((d) => d.category === 'tagging_failed').length);
    expect(full[0]!.reason).toBe('candidate buffer full (maxCandidates 10)');
    expect(selected.every((s) => s.label?.cate_ability_en)).toBe(true);
    expect(report.bufferFull).toBe(full.length);
  });

  it('refuses size with ratio, and names a missing evaluation file', async () => {
    await expect(createHarness([[match, { benchmarks: humaneval, size: 3, ratio: 0.5 }]])).rejects.toThrow(/size.*either size or ratio/s);
    const h = await createHarness([[match, { benchmarks: [{ format: 'humaneval', path: '/nonexistent/HumanEval.jsonl.gz' }] }]]);
    await expect(drainSelect(h, skewedPool(3))).rejects.toThrow(/\/nonexistent\/HumanEval\.jsonl\.gz: benchmark file not found/);
  });
});
