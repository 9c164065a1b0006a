import { describe, expect, it } from 'vitest';
import { mulberry32, type SampleRecord } from '../../../core/index.js';
import { derivedSeedQuery } from '../../../core/testing/index.js';
import { generationTable } from './generations.js';
import { colonyRng, planChildren, MUTATION_RULE_NAMES, type Parent } from './operators.js';
import { colonyQuotas, PopulationIndex, sampleIndices } from './population.js';

const NAME = 'strategy:genetic';
const opts = { crossoverProbability: 0.5, parentsPerCrossover: 3, rules: MUTATION_RULE_NAMES };

function parent(i: number, language = 'python'): Parent {
  return { id: `p${i}`, instruction: `Write a function number ${i}.`, language };
}

function record(id: string, generation: number, colony: number | null, operator: string, dropped?: SampleRecord['dropped']): SampleRecord {
  return {
    id,
    messages: [{ role: 'user', content: `instruction ${id}` }],
    language: 'python',
    lineage: { seedId: 's', source: 's', strategy: NAME, parentIds: [], generation, details: { colony, operator } },
    scores: [],
    checks: [],
    usage: [],
    meta: {},
    stage: dropped ? 'responded' : 'kept',
    ...(dropped ? { dropped } : {}),
  };
}

async function* iterate<T>(xs: T[]): AsyncGenerator<T> {
  yield* xs;
}

describe('planChildren', () => {
  it('is a pure function of the seeded stream: same colony and generation, same plan', () => {
    const pool = Array.from({ length: 10 }, (_, i) => parent(i));
    const a = planChildren(pool, 50, colonyRng(0, 1, 3, 'operators'), opts);
    const b = planChildren(pool, 50, colonyRng(0, 1, 3, 'operators'), opts);
    const other = planChildren(pool, 50, colonyRng(0, 2, 3, 'operators'), opts);
    expect(a).toEqual(b);
    expect(other).not.toEqual(a);
    expect(new Set(a.map((p) => p.operator))).toEqual(new Set(['mutation', 'crossover']));
  });

  it('gives crossovers distinct parents of one language and mutations one parent and a rule', () => {
    const pool = [...Array.from({ length: 6 }, (_, i) => parent(i)), ...Array.from({ length: 6 }, (_, i) => parent(i + 10, 'go'))];
    for (const plan of planChildren(pool, 200, mulberry32(7), opts)) {
      if (plan.operator === 'crossover') {
        expect(plan.parents).toHaveLength(3);
        expect(new Set(plan.parents.map((p) => p.id)).size).toBe(3);
        expect(new Set(plan.parents.map((p) => p.language)).size).toBe(1);
        expect(plan.rule).toBeUndefined();
      } else {
        expect(plan.parents).toHaveLength(1);
        expect(MUTATION_RULE_NAMES).toContain(plan.rule);
      }
    }
  });

  it('honours the crossover probability at its ends, and mutates when no second parent exists', () => {
    const pool = Array.from({ length: 5 }, (_, i) => parent(i));
    expect(planChildren(pool, 30, mulberry32(1), { ...opts, crossoverProbability: 1 }).every((p) => p.operator === 'crossover')).toBe(true);
    expect(planChildren(pool, 30, mulberry32(1), { ...opts, crossoverProbability: 0 }).every((p) => p.operator === 'mutation')).toBe(true);
    expect(planChildren([parent(1)], 5, mulberry32(1), { ...opts, crossoverProbability: 1 }).every((p) => p.operator === 'mutation')).toBe(true);
  });
});

describe('PopulationIndex', () => {
  const kept = [
    ...Array.from({ length: 5 }, (_, i) => record(`seed${i}`, 0, null, 'seed')),
    ...Array.from({ length: 300 }, (_, i) => record(`c0-${i}`, 1, 0, 'mutation')),
    ...Array.from({ length: 40 }, (_, i) => record(`c1-${i}`, 1, 1, 'crossover')),
  ];
  const opts = { poolSize: 32, seed: 0, generation: 2 };

  it('samples each colony from the seed population and its own records only, at most poolSize distinct, the same way twice', async () => {
    const index = new PopulationIndex(NAME, 2);
    const query = derivedSeedQuery(2, '/run', kept, []);
    await index.update(query);
    expect(index.seedKept).toBe(5);
    expect(index.keptByColony).toEqual([300, 40]);
    const pools = await index.pools(query, opts);
    expect(pools[0]).toHaveLength(32);
    expect(new Set(pools[0]!.map((p) => p.id)).size).toBe(32);
    expect(pools[0]!.every((p) => p.id.startsWith('seed') || p.id.startsWith('c0-'))).toBe(true);
    expect(pools[1]!.every((p) => p.id.startsWith('seed') || p.id.startsWith('c1-'))).toBe(true);
    // Uniform over the whole population, not its first 32.
    expect(pools[0]!.some((p) => Number(p.id.split('-')[1]) > 100)).toBe(true);
    expect(pools[0]![0]!.instruction).toBe(kept.find((r) => r.id === pools[0]![0]!.id)!.messages[0]!.content);
    // Another generation draws other parents.
    expect((await index.pools(query, { ...opts, generation: 3 }))[0]).not.toEqual(pools[0]);
    const fresh = new PopulationIndex(NAME, 2);
    await fresh.update(query);
    expect(await fresh.pools(query, opts)).toEqual(pools);
  });

  it('reads only what was written since the last update, and ends where a fresh index reading everything ends (a resume)', async () => {
    const rejected = [record('d', 1, 0, 'mutation', { stage: 'verified', plugin: 'judge:genetic', reason: 'r', category: 'below_threshold' })];
    const stepwise = new PopulationIndex(NAME, 2);
    await stepwise.update(derivedSeedQuery(1, '/run', kept.slice(0, 5), []));
    expect(stepwise.keptByColony).toEqual([0, 0]);
    const all = derivedSeedQuery(2, '/run', kept, rejected);
    const read: number[] = [];
    const spy = { ...all, keptEntries: (from?: number) => (read.push(from ?? 0), all.keptEntries(from)) };
    await stepwise.update(spy);
    expect(read).toEqual([5]);
    const fresh = new PopulationIndex(NAME, 2);
    await fresh.update(all);
    expect(stepwise.rows()).toEqual(fresh.rows());
    expect(stepwise.keptByColony).toEqual([300, 40]);
    expect(await stepwise.pools(all, opts)).toEqual(await fresh.pools(all, opts));
  });

  it('sampleIndices draws k distinct indices below n, and all of them when k = n', () => {
    const rng = mulberry32(7);
    for (let t = 0; t < 50; t++) {
      const picks = sampleIndices(100, 10, rng);
      expect(new Set(picks).size).toBe(10);
      expect(picks.every((i) => i >= 0 && i < 100)).toBe(true);
      expect([...picks].sort((a, b) => a - b)).toEqual(picks);
    }
    expect(sampleIndices(5, 5, rng)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('colonyQuotas', () => {
  it('splits what the seeds leave of the target evenly, remainder to the first colonies', () => {
    expect(colonyQuotas(1000, 18, 4)).toEqual([246, 246, 245, 245]);
    expect(colonyQuotas(10, 18, 3)).toEqual([0, 0, 0]);
  });
});

describe('generationTable', () => {
  it('counts made, drops by gate, kept and population per generation and colony', async () => {
    const kept = [record('s1', 0, null, 'seed'), record('s2', 0, null, 'seed'), record('a', 1, 0, 'mutation'), record('b', 1, 1, 'crossover'), record('c', 2, 0, 'crossover')];
    const rejected = [
      record('d', 1, 0, 'mutation', { stage: 'verified', plugin: 'judge:genetic', reason: 'r', category: 'below_threshold' }),
      record('e', 1, 0, 'crossover', { stage: 'verified', plugin: 'analyzer:python', reason: 'r' }),
      record('f', 2, 0, 'mutation', { stage: 'filtered', plugin: 'filter:dedup', reason: 'r' }),
      record('g', 2, 1, 'mutation', { stage: 'synthesized', plugin: NAME, reason: 'r' }),
    ];
    const rows = await generationTable(iterate(kept), iterate(rejected), NAME);
    expect(rows.map((r) => [r.generation, r.colony, r.made, r.judgedOut, r.verifiedOut, r.duplicatesOut, r.synthesisOut, r.kept, r.population])).toEqual([
      [0, null, 2, 0, 0, 0, 0, 2, 2],
      [1, 0, 3, 1, 1, 0, 0, 1, 3],
      [1, 1, 1, 0, 0, 0, 0, 1, 3],
      [2, 0, 2, 0, 0, 1, 0, 1, 4],
      [2, 1, 1, 0, 0, 0, 1, 0, 3],
    ]);
    expect(rows[1]).toMatchObject({ mutation: 2, crossover: 1 });
  });
});
