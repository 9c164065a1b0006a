import { contentId, mulberry32, type Rng } from '../../../core/index.js';

/**
 * Mutation rules: Evol-Instruct's in-depth evolution (add constraints, deepening, concretizing,
 * increased reasoning steps, rarer requirement) and in-breadth evolution, which Genetic-Instruct
 * applies as its mutation operator (arXiv 2407.21077, §1 and Figure 1). The guidance sentences are ours.
 */
export const MUTATION_RULES = {
  'add-constraints': {
    title: 'Add constraints',
    guidance: 'add one or two new constraints or requirements (input limits, complexity bounds, error handling) that the solution must respect.',
  },
  deepen: {
    title: 'Deepen',
    guidance: 'increase the depth and breadth of the task: handle more cases, generalise the operation, or require a more thorough algorithm.',
  },
  concretize: {
    title: 'Concretize',
    guidance: 'replace general concepts with more specific ones: a realistic scenario, concrete data formats and named entities.',
  },
  'more-reasoning': {
    title: 'More reasoning steps',
    guidance: 'rewrite the task so that solving it explicitly requires several reasoning steps (decompose, compute intermediate results, combine them).',
  },
  'rarer-requirement': {
    title: 'Rarer requirement',
    guidance: 'replace a common requirement with a less common and more specific one that still keeps the task solvable.',
  },
  'in-breadth': {
    title: 'In-breadth',
    guidance: 'write a brand-new task in the same domain as this one, of similar length and difficulty, but rarer and more unusual.',
  },
} as const;

export type MutationRule = keyof typeof MUTATION_RULES;
export const MUTATION_RULE_NAMES = Object.keys(MUTATION_RULES) as [MutationRule, ...MutationRule[]];

/** One parent as the operators see it: what the population index keeps per sampled record. */
export interface Parent {
  id: string;
  instruction: string;
  language: string;
}

/** What one child will be made from: the operator, its parents, and the mutation rule when it mutates. */
export interface ChildPlan {
  operator: 'mutation' | 'crossover';
  parents: Parent[];
  rule?: MutationRule;
}

/**
 * The seeded random stream of one colony in one generation (salt separates independent draws, e.g.
 * `reservoir` and `operators`). A pure function of its inputs, so a resumed run draws the same numbers.
 */
export function colonyRng(seed: number, colony: number, generation: number, salt: string): Rng {
  return mulberry32(Number.parseInt(contentId({ seed, colony, generation, salt }).slice(0, 8), 16));
}

/**
 * Plan `count` children from `pool` (the colony's sampled parents): each child is a crossover with
 * probability `crossoverProbability` (parents: `parentsPerCrossover` distinct pool entries, at least 2,
 * else it mutates), otherwise a mutation of one pool entry by a rule drawn uniformly from `rules`.
 * Crossover parents share the language of the first one drawn, so a child has one language.
 * @throws Error when the pool is empty and count > 0 (the caller checks first)
 */
export function planChildren(pool: readonly Parent[], count: number, rng: Rng, opts: { crossoverProbability: number; parentsPerCrossover: number; rules: readonly MutationRule[] }): ChildPlan[] {
  if (count > 0 && pool.length === 0) throw new Error('no parents to evolve from');
  const plans: ChildPlan[] = [];
  for (let i = 0; i < count; i++) {
    const first = pool[Math.floor(rng() * pool.length)]!;
    const sameLanguage = pool.filter((p) => p.language === first.language && p.id !== first.id);
    if (rng() < opts.crossoverProbability && sameLanguage.length >= 1) {
      const want = Math.min(opts.parentsPerCrossover, sameLanguage.length + 1);
      const rest = [...sameLanguage];
      const parents = [first];
      while (parents.length < want) parents.push(rest.splice(Math.floor(rng() * rest.length), 1)[0]!);
      plans.push({ operator: 'crossover', parents });
    } else {
      plans.push({ operator: 'mutation', parents: [first], rule: opts.rules[Math.floor(rng() * opts.rules.length)]! });
    }
  }
  return plans;
}
