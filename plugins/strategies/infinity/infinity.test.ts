import { describe, expect, it } from 'vitest';
import type { Seed } from '../../../core/index.js';
import { createHarness, MockModel, PluginTester, type MockRequest } from '../../../core/testing/index.js';
import chat from '../../responders/chat.js';
import { MUTATION_RULES } from '../genetic/operators.js';
import { DIMENSION_NAMES, EVOLUTION_DIMENSIONS, planEvolutions, type EvolutionDimension } from './dimensions.js';
import infinity from './index.js';

const INSTRUCTION = 'Write a Python function `top_k(values, k)` that returns the k largest values of a list in descending order.';
const LABEL = { ability_en: ['sorting', 'list manipulation'], cate_ability_en: ['Programming and Software Development'] };

/** The evolution names the dimension it was asked for, so records can be told apart. */
const evolve = (req: MockRequest) => {
  if (req.schemaName !== 'infinity_evolution') return undefined;
  const dimension = /^Dimension: (\w+)/m.exec(req.lastUser)![1];
  return { instruction: `${INSTRUCTION} [${dimension}] Reject a negative k with a ValueError.` };
};

const poolSeed = (over: Partial<Seed> = {}): Seed => ({
  id: 'pool-row-7',
  language: 'python',
  code: INSTRUCTION,
  source: { path: 'pool.jsonl', line: 7 },
  kind: 'record',
  meta: { format: 'messages' },
  messages: [
    { role: 'user', content: INSTRUCTION },
    { role: 'assistant', content: 'def top_k(values, k):\n    return sorted(values, reverse=True)[:k]' },
  ],
  label: LABEL,
  ...over,
});

describe('planEvolutions', () => {
  it('is a pure function of the seed id, draws only the given dimensions, and each dimension with one of its rules', () => {
    const ids = Array.from({ length: 400 }, (_, i) => `seed-${i}`);
    const first = ids.map((id) => planEvolutions(id, DIMENSION_NAMES, 1)[0]!);
    expect(ids.map((id) => planEvolutions(id, DIMENSION_NAMES, 1)[0])).toEqual(first);
    for (const p of first) expect(EVOLUTION_DIMENSIONS[p.dimension].rules as readonly string[]).toContain(p.rule);
    // Uniform over the four: each within 25% +- 7% of 400 draws (about 3.5 standard deviations).
    const counts = Object.fromEntries(DIMENSION_NAMES.map((d) => [d, first.filter((p) => p.dimension === d).length]));
    for (const d of DIMENSION_NAMES) expect(Math.abs(counts[d]! - 100)).toBeLessThan(28);
    const some: EvolutionDimension[] = ['breadth', 'complexity'];
    expect(new Set(ids.map((id) => planEvolutions(id, some, 1)[0]!.dimension))).toEqual(new Set(some));
    // Different seeds, different draws: not one dimension for all.
    expect(new Set(first.map((p) => p.dimension)).size).toBe(4);
  });

  it('carries the rule wording of Genetic-Instruct operators into the directive', () => {
    const [p] = planEvolutions('x', ['difficulty'], 1);
    expect(p!.directive).toEqual({ dimension: 'Difficulty', description: EVOLUTION_DIMENSIONS.difficulty.description, title: MUTATION_RULES[p!.rule].title, guidance: MUTATION_RULES[p!.rule].guidance });
  });
});

describe('strategy:infinity', () => {
  it('asks for the planned dimension and writes the evolved instruction as the user turn, with label and lineage', async () => {
    const model = new MockModel([evolve]);
    const h = await createHarness([[infinity, { temperature: 0.5 }]], { model });
    const seed = poolSeed();
    const [r, ...more] = await h.synthesize(seed);
    expect(more).toEqual([]);
    const plan = planEvolutions(seed.id, DIMENSION_NAMES, 1)[0]!;
    const title = EVOLUTION_DIMENSIONS[plan.dimension].title;
    expect(r!.dropped).toBeUndefined();
    expect(r!.messages).toEqual([{ role: 'user', content: `${INSTRUCTION} [${title}] Reject a negative k with a ValueError.` }]);
    expect(r!.label).toEqual(LABEL);
    expect(r!.lineage).toMatchObject({ seedId: 'pool-row-7', source: 'pool.jsonl:7', strategy: 'strategy:infinity', generation: 1, parentIds: [] });
    expect(r!.lineage.details).toEqual({ dimension: plan.dimension, rule: plan.rule, original: INSTRUCTION });
    expect(model.requests).toHaveLength(1);
    const req = model.requests[0]!;
    expect(req).toMatchObject({ schemaName: 'infinity_evolution', temperature: 0.5, seed: 0 });
    expect(req.lastUser).toContain(`"""\n${INSTRUCTION}\n"""`);
    expect(req.lastUser).toContain(`Dimension: ${title}`);
    expect(req.lastUser).toContain(`${MUTATION_RULES[plan.rule].title}: ${MUTATION_RULES[plan.rule].guidance}`);
    expect(r!.usage).toHaveLength(1);
  });

  it('evolutions: n records per seed, each its own call (distinct sampling seeds); no label when the seed has none', async () => {
    const model = new MockModel([evolve]);
    const h = await createHarness([[infinity, { evolutions: 3 }]], { model });
    const { label: _, ...unlabelled } = poolSeed({ id: 'pool-row-9' });
    const records = await h.synthesize(unlabelled);
    const plans = planEvolutions('pool-row-9', DIMENSION_NAMES, 3);
    expect(records.map((r) => r.lineage.details!.dimension)).toEqual(plans.map((p) => p.dimension));
    expect(model.requests.map((q) => q.seed)).toEqual([0, 1, 2]);
    for (const r of records) expect(r.label).toBeUndefined();
  });

  it('passes over derived seeds without a call', async () => {
    const model = new MockModel([evolve]);
    const h = await createHarness([infinity], { model });
    expect(await h.synthesize(poolSeed({ kind: 'derived' }))).toEqual([]);
    expect(model.requests).toHaveLength(0);
  });

  it('through the runner: keeps the evolution, drops an invalid reply with the reason of the call (PluginTester)', async () => {
    await new PluginTester({ plugins: [chat] }).run(infinity, {
      valid: [
        {
          name: 'one evolution, answered',
          seed: { code: INSTRUCTION, kind: 'record' },
          model: evolve,
          check(kept) {
            expect(kept).toHaveLength(1);
            expect(kept[0]!.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
            expect(kept[0]!.messages[0]!.content).toMatch(/^Write a Python function `top_k.*\[(Breadth|Depth|Difficulty|Complexity)\] Reject a negative k/);
          },
        },
        {
          name: 'dimensions subset',
          seed: { code: INSTRUCTION, kind: 'record' },
          options: { dimensions: ['complexity'] },
          model: evolve,
          check: (kept) => expect(kept[0]!.lineage.details).toEqual({ dimension: 'complexity', rule: 'more-reasoning', original: INSTRUCTION }),
        },
      ],
      invalid: [
        {
          name: 'reply shorter than the schema minimum',
          seed: { code: INSTRUCTION, kind: 'record' },
          model: (req) => (req.schemaName === 'infinity_evolution' ? { instruction: 'Sort.' } : undefined),
          error: { stage: 'synthesized', category: 'invalid_output', reason: /^evolution \((breadth|depth|difficulty|complexity)\): mock:test: the reply to schema "infinity_evolution"/ },
        },
      ],
    });
  });

  it('rejects unknown dimensions in its options', async () => {
    await expect(createHarness([[infinity, { dimensions: ['width'] }]])).rejects.toThrow(/dimensions/);
  });
});
