import { describe, expect, it } from 'vitest';
import { LlmError, type Seed } from '../../core/index.js';
import { createHarness, MockModel, type MockRequest, type PluginHarness } from '../../core/testing/index.js';
import { tagsReply } from '../providers/mock/scripted-tags.js';
import tag from './tag.js';

function poolSeed(i: number, user: string, answer?: string): Seed {
  return {
    id: `s${i}`,
    language: 'python',
    code: user,
    source: { path: 'pool.jsonl', line: i + 1 },
    kind: 'record',
    meta: { format: 'messages' },
    messages: [{ role: 'user', content: user }, ...(answer ? [{ role: 'assistant' as const, content: answer }] : [])],
  };
}

const instructionOf = (req: MockRequest) => /<instruction>\n([\s\S]*?)\n<\/instruction>/.exec(req.lastUser)?.[1] ?? '';

/** `harness.select`, checking that every seed was let through or dropped; the report is `plugin`'s. */
async function drainSelect(h: PluginHarness, seeds: readonly Seed[], plugin = 'selector:tag') {
  const run = await h.select(seeds);
  for (const c of run.summary.selectors) expect(c.unaccounted).toBe(0);
  return { selected: run.selected, dropped: run.dropped, report: run.reports[plugin] ?? {} };
}

describe('selector:tag', () => {
  it('labels every seed with merged level-1 keys and listed level-2 categories, in input order, with notes for mapped and unknown answers', async () => {
    const model = new MockModel().reply({ schema: 'infinity_tags' }, (req: MockRequest) => {
      const n = Number(/#(\d+)/.exec(instructionOf(req))?.[1]);
      // Later seeds answer sooner, so a selector that yielded in completion order would reorder them.
      return new Promise((resolve) =>
        setTimeout(
          () => resolve({ abilities: ['Hash Maps', 'hash table', 'Recursion', 'recursion.'], categories: n === 1 ? ['data structure', 'Quantum Computing'] : ['Algorithms'] }),
          (5 - n) * 5,
        ),
      );
    });
    const h = await createHarness([[tag, { concurrency: 4 }]], { model });
    const seeds = [0, 1, 2, 3, 4].map((i) => poolSeed(i, `Task #${i}: memoise a recursive function.`, `Answer ${i}`));
    const { selected, dropped, report } = await drainSelect(h, seeds);

    expect(dropped).toEqual([]);
    expect(selected.map((s) => s.id)).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect(selected[0]!.label).toEqual({ ability_en: ['hash map', 'recursion'], cate_ability_en: ['Algorithms'] });
    expect(selected[1]!.label).toEqual({ ability_en: ['hash map', 'recursion'], cate_ability_en: ['Data Structures'] });
    expect(selected[1]!.meta.tagging).toEqual({ mapped: [{ answer: 'data structure', category: 'Data Structures' }], unknown: ['Quantum Computing'] });
    expect(selected[0]!.meta.tagging).toBeUndefined();
    expect(seeds[0]!.label).toBeUndefined();
    expect(report).toMatchObject({ tagged: 5, failed: 0, categoriesMapped: 1, categoriesUnknown: 1, vocabulary: { surfaceForms: 4, tags: 2 } });
    expect(report.topTags).toEqual([
      { tag: 'Hash Maps', key: 'hash map', count: 10 },
      { tag: 'Recursion', key: 'recursion', count: 10 },
    ]);
    // The prompt carries the instruction, the response and the category list.
    const req = model.requests[0]!;
    expect(req.lastUser).toContain('<response>\nAnswer');
    expect(req.lastUser).toContain('- Databases and SQL: ');
    expect(req.temperature).toBe(0);
  });

  it('caps level-1 tags at maxTags after merging, tags a code seed by its code, and takes an overridden category list', async () => {
    const model = new MockModel().reply({ schema: 'infinity_tags' }, { abilities: ['a b', 'A-B', 'c', 'd', 'e'], categories: ['Easy'] });
    const h = await createHarness([[tag, { maxTags: 2, categories: [{ name: 'Easy' }, { name: 'Hard' }] }]], { model });
    const seed: Seed = { id: 'c1', language: 'python', code: 'def add(a, b):\n    return a + b', source: { path: 'x.py', line: 1 }, kind: 'function', meta: {} };
    const { selected } = await drainSelect(h, [seed]);
    expect(selected[0]!.label).toEqual({ ability_en: ['a b', 'c'], cate_ability_en: ['Easy'] });
    expect(instructionOf(model.requests[0]!)).toBe(seed.code);
    expect(model.requests[0]!.lastUser).not.toContain('<response>');
    expect(model.requests[0]!.lastUser).toContain('- Hard: ');
    expect(model.requests[0]!.lastUser).not.toContain('Algorithms');
  });

  it('drops a seed whose reply never validates (tagging_failed) and keeps the rest', async () => {
    const model = new MockModel().reply({ schema: 'infinity_tags' }, (req: MockRequest) =>
      instructionOf(req).includes('bad') ? { abilities: [], categories: ['Algorithms'] } : { abilities: ['sorting'], categories: ['Algorithms'] },
    );
    const h = await createHarness([tag], { model });
    const { selected, dropped, report } = await drainSelect(h, [poolSeed(0, 'good one'), poolSeed(1, 'bad one'), poolSeed(2, 'good two')]);
    expect(selected.map((s) => s.id)).toEqual(['s0', 's2']);
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ category: 'tagging_failed', seed: { id: 's1' } });
    expect(dropped[0]!.reason).toMatch(/^tagging failed: .*"infinity_tags".*did not validate/);
    expect(report).toMatchObject({ tagged: 2, failed: 1 });
  });

  it('lets a fatal LLM error propagate', async () => {
    const model = new MockModel().reply({ schema: 'infinity_tags' }, () => {
      throw new LlmError('auth', 'key rejected');
    });
    const h = await createHarness([tag], { model });
    await expect(drainSelect(h, [poolSeed(0, 'x')])).rejects.toMatchObject({ plugin: 'selector:tag', fatal: true, cause: { kind: 'auth' } });
  });

  it('with the scripted model: the vocabulary shrinks under normalisation and planted invalid replies are dropped', async () => {
    const model = new MockModel().reply((req) => tagsReply(req));
    const h = await createHarness([tag], { model });
    const words = ['sort the list', 'reverse a string', 'count vowels', 'sum of digits', 'parse a csv file', 'check prime numbers', 'balanced brackets', 'fibonacci'];
    const seeds = Array.from({ length: 120 }, (_, i) => poolSeed(i, `Write a function to ${words[i % words.length]} (case ${i}).`));
    const { selected, dropped, report } = await drainSelect(h, seeds);
    expect(selected.length + dropped.length).toBe(120);
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every((d) => d.category === 'tagging_failed')).toBe(true);
    const vocabulary = report.vocabulary as { surfaceForms: number; tags: number };
    expect(vocabulary.tags).toBeLessThan(vocabulary.surfaceForms / 2);
    for (const s of selected) {
      expect(s.label!.ability_en!.length).toBeGreaterThan(0);
      expect(s.label!.cate_ability_en).not.toContain('Quantum Computing');
    }
    expect((report.categoriesUnknown as number) + (report.categoriesMapped as number)).toBeGreaterThan(0);
  });
});
