import { contentId, mulberry32, type Rng } from '../../../core/index.js';
import { MUTATION_RULES, type MutationRule } from '../genetic/operators.js';

/**
 * The four evolution dimensions of Infinity Instruct's instruction evolution (arXiv 2506.11116,
 * Phase 2: each seed instruction is evolved along one randomly chosen dimension of breadth, depth,
 * difficulty and complexity, following Evol-Instruct). Each dimension is carried out by the
 * Evol-Instruct rules of Genetic-Instruct's mutation operator (`MUTATION_RULES`): breadth is
 * in-breadth evolving, the other three split the in-depth rules. The split and the descriptions are
 * our choice (the paper names the dimensions, not their prompts).
 */
export const EVOLUTION_DIMENSIONS = {
  breadth: { title: 'Breadth', description: 'a new instruction in the same domain as the original, rarer and more unusual, not a rewording of it', rules: ['in-breadth'] },
  depth: { title: 'Depth', description: 'the same task treated in more depth or made more concrete', rules: ['deepen', 'concretize'] },
  difficulty: { title: 'Difficulty', description: 'the same task made harder to satisfy by added or rarer requirements', rules: ['add-constraints', 'rarer-requirement'] },
  complexity: { title: 'Complexity', description: 'the same task requiring more reasoning steps to solve', rules: ['more-reasoning'] },
} as const satisfies Record<string, { title: string; description: string; rules: readonly MutationRule[] }>;

export type EvolutionDimension = keyof typeof EVOLUTION_DIMENSIONS;
export const DIMENSION_NAMES = Object.keys(EVOLUTION_DIMENSIONS) as [EvolutionDimension, ...EvolutionDimension[]];

/** One planned evolution: the dimension, the Evol-Instruct rule that carries it out, and that rule's wording. */
export interface EvolutionPlan {
  dimension: EvolutionDimension;
  rule: MutationRule;
  directive: { dimension: string; description: string; title: string; guidance: string };
}

/** The random stream of one seed: mulberry32 seeded with the first 32 bits of the seed id's content address, so a rerun draws the same. */
export function seedRng(seedId: string, salt: string): Rng {
  return mulberry32(Number.parseInt(contentId([salt, seedId]).slice(0, 8), 16));
}

/**
 * Plan `count` evolutions of one seed: each draws a dimension uniformly from `dimensions`, then one
 * of that dimension's rules uniformly. Deterministic per seed id (see {@link seedRng}); draws are
 * independent, so two evolutions of a seed may share a dimension.
 */
export function planEvolutions(seedId: string, dimensions: readonly EvolutionDimension[], count: number): EvolutionPlan[] {
  const rng = seedRng(seedId, 'strategy:infinity');
  return Array.from({ length: count }, () => {
    const dimension = dimensions[Math.floor(rng() * dimensions.length)]!;
    const d = EVOLUTION_DIMENSIONS[dimension];
    const rule = d.rules[Math.floor(rng() * d.rules.length)]!;
    return { dimension, rule, directive: directiveOf(dimension, rule) };
  });
}

/** The wording a prompt gives an evolution: its dimension and the rule's guidance. Used by the strategy and the compliance judge alike. */
export function directiveOf(dimension: EvolutionDimension, rule: MutationRule): EvolutionPlan['directive'] {
  const d = EVOLUTION_DIMENSIONS[dimension];
  return { dimension: d.title, description: d.description, title: MUTATION_RULES[rule].title, guidance: MUTATION_RULES[rule].guidance };
}
