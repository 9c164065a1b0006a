import type { SampleRecord } from '../../../core/index.js';
import { colonyRng, type Parent } from './operators.js';

/** The lineage details strategy:genetic writes on every record (`lineage.details`). */
export interface GeneticDetails {
  /** The colony that made the record; null for the seed population every colony starts from. */
  colony: number | null;
  operator: 'seed' | 'mutation' | 'crossover';
  /** The mutation rule, for `operator: mutation`. */
  rule?: string;
}

/** The genetic lineage of a record, or undefined when another strategy made it. */
export function geneticDetails(record: SampleRecord, strategy: string): GeneticDetails | undefined {
  if (record.lineage.strategy !== strategy) return undefined;
  const d = record.lineage.details as Partial<GeneticDetails> | undefined;
  return { colony: typeof d?.colony === 'number' ? d.colony : null, operator: d?.operator ?? 'seed', ...(d?.rule ? { rule: d.rule } : {}) };
}

/** The last user turn: the instruction a record answers. */
export function instructionOf(record: SampleRecord): string | undefined {
  return record.messages.filter((m) => m.role === 'user').at(-1)?.content;
}

/** What one pass over the kept records learns about each colony. */
export interface PopulationScan {
  /** Kept records of the seed population (generation 0). */
  seedKept: number;
  /** Kept evolved records per colony (index = colony). */
  keptByColony: number[];
  /** Per colony, a uniform sample of at most `poolSize` parents from the seed population plus that colony's records. */
  pools: Parent[][];
}

/**
 * Stream the kept records once and draw, per colony, a uniform reservoir sample (Algorithm R) of
 * at most `poolSize` parents from what that colony may breed from: the seed population and its own
 * records (colonies evolve independently, arXiv 2407.21077 Figure 1). Memory: `colonies × poolSize`
 * instructions, whatever the population size. Deterministic: the kept file's order and the colony's
 * seeded stream for this generation fix the sample, so a resumed run draws the same parents.
 */
export async function scanPopulation(kept: AsyncIterable<SampleRecord>, strategy: string, opts: { colonies: number; poolSize: number; seed: number; generation: number }): Promise<PopulationScan> {
  const rngs = Array.from({ length: opts.colonies }, (_, c) => colonyRng(opts.seed, c, opts.generation, 'reservoir'));
  const pools: Parent[][] = Array.from({ length: opts.colonies }, () => []);
  const seen = new Array<number>(opts.colonies).fill(0);
  const keptByColony = new Array<number>(opts.colonies).fill(0);
  let seedKept = 0;
  const offer = (c: number, p: Parent) => {
    seen[c]! += 1;
    if (pools[c]!.length < opts.poolSize) pools[c]!.push(p);
    else {
      const j = Math.floor(rngs[c]!() * seen[c]!);
      if (j < opts.poolSize) pools[c]![j] = p;
    }
  };
  for await (const r of kept) {
    const d = geneticDetails(r, strategy);
    const instruction = instructionOf(r);
    if (!d || !instruction) continue;
    const parent = { id: r.id, instruction, language: r.language };
    if (d.colony === null) {
      seedKept += 1;
      for (let c = 0; c < opts.colonies; c++) offer(c, parent);
    } else if (d.colony < opts.colonies) {
      keptByColony[d.colony]! += 1;
      offer(d.colony, parent);
    }
  }
  return { seedKept, keptByColony, pools };
}

/**
 * Kept samples each colony owes: (target − kept seed population) split evenly over the colonies,
 * the remainder to the lowest-numbered ones (colonies produce N/K each, issue #12).
 */
export function colonyQuotas(target: number, seedKept: number, colonies: number): number[] {
  const evolved = Math.max(0, target - seedKept);
  return Array.from({ length: colonies }, (_, c) => Math.floor(evolved / colonies) + (c < evolved % colonies ? 1 : 0));
}
