import { describe, expect, it } from 'vitest';
import type { Seed } from '../../../core/index.js';
import { createHarness, MockModel } from '../../../core/testing/index.js';
import { doubleLogprobs } from '../../../test/double/index.js';
import { chooseReply } from '../../providers/mock/scripted-choose.js';
import choose from './index.js';

function seed(n: number, instruction: string, response: string, tags?: string[]): Seed {
  return {
    id: `seed-${n}`,
    language: 'text',
    code: instruction,
    source: { path: 'pool.jsonl', line: n },
    kind: 'record',
    meta: { format: 'messages' },
    messages: [
      { role: 'user', content: instruction },
      { role: 'assistant', content: response },
    ],
    ...(tags ? { label: { ability_en: tags, cate_ability_en: ['Programming'] } } : {}),
  };
}

const SEEDS = [
  seed(1, 'sort the list of numbers in place', 'sort the numbers: list.sort() sorts the list in place'),
  seed(2, 'say hello', 'quantum tunnelling explains alpha decay half lives'),
  seed(3, 'Write a recursive descent parser that must handle edge cases, validate input and explain each step', 'def parse(s): ...'),
  seed(4, 'reverse a string in python', 'a string reversed in python is string[::-1]'),
];

function logs() {
  const warnings: string[] = [];
  return { log: { info: () => undefined, debug: () => undefined, warn: (m: string) => warnings.push(m) }, warnings };
}

describe('selector:choose through the test kit', () => {
  it('measures IFD when the model has prompt logprobs, through the plugin client and its middleware', async () => {
    const model = new MockModel().logprobs(doubleLogprobs);
    const { log, warnings } = logs();
    const h = await createHarness([[choose, { hard: {} }]], { model, log });
    const run = await h.select(SEEDS);
    // The double's model makes words already seen cheap: seeds 1 and 4 reuse the instruction's words
    // (IFD 0.674 and 0.713: 1 easy to follow, under the default minIfd 0.7); 2 and 3 share none (IFD 1: misaligned).
    expect(run.reports['selector:choose']).toMatchObject({ hardness: 'ifd (prompt logprobs)', measured: 4, chosen: run.selected.length });
    expect(model.scored).toHaveLength(8);
    expect(model.requests).toHaveLength(0);
    expect(warnings).toEqual([]);
    expect(run.selected.map((s) => s.id)).toEqual(['seed-4']);
    const reasons = Object.fromEntries(run.dropped.map((d) => [d.seed.id, d.reason]));
    expect(reasons['seed-2']).toBe('not chosen (needs any of 1 criteria): hard: IFD 1 >= 1 (instruction does not help: misaligned)');
    expect(reasons['seed-3']).toBe(reasons['seed-2']);
    expect(reasons['seed-1']).toBe('not chosen (needs any of 1 criteria): hard: IFD 0.674 < 0.7');
    for (const d of run.dropped) expect(d).toMatchObject({ plugin: 'selector:choose', category: 'not_chosen' });
  });

  it('falls back to the LLM rating (infinity_difficulty) when the model has none, named in the report and the log', async () => {
    const model = new MockModel([chooseReply]);
    const { log, warnings } = logs();
    const h = await createHarness([[choose, { hard: { minRating: 5 } }]], { model, log });
    const run = await h.select(SEEDS);
    expect(run.reports['selector:choose']).toMatchObject({ hardness: 'llm-rating (fallback: endpoint has no prompt logprobs)' });
    expect(warnings.join('\n')).toMatch(/selector:choose: hardness: llm-rating \(fallback: endpoint has no prompt logprobs\)/);
    expect(model.count({ schema: 'infinity_difficulty', template: 'choose-difficulty' })).toBe(4);
    expect(run.selected.map((s) => s.id)).toEqual(['seed-3']);
    expect(run.dropped.map((d) => d.reason)).toEqual(expect.arrayContaining([expect.stringMatching(/^not chosen \(needs any of 1 criteria\): hard: rating \d+ < 5 \(llm-rating fallback\)$/)]));
  });

  it('combines label criteria with hardness and keeps the input order', async () => {
    const model = new MockModel([chooseReply]);
    const labelled = SEEDS.map((s, i) => ({ ...s, label: { ability_en: i === 1 ? ['greeting', 'small talk'] : ['algorithms'] } }));
    const h = await createHarness([[choose, { minAbilities: 2, hard: { minRating: 5 } }]], { model, log: logs().log });
    const run = await h.select(labelled);
    expect(run.selected.map((s) => s.id)).toEqual(['seed-2', 'seed-3']);
    // seed-2 was chosen by its abilities: no rating asked for it.
    expect(model.count({ schema: 'infinity_difficulty' })).toBe(3);
  });

  it('refuses unlabelled seeds under a label criterion: selector:tag must come first', async () => {
    const h = await createHarness([[choose, { longTail: { quantile: 0.2 } }]]);
    await expect(h.select(SEEDS)).rejects.toThrow(/selector:choose needs selector:tag before it/);
  });
});
