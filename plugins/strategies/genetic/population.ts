import type { DerivedSeedQuery, Rng } from '../../../core/index.js';
import { geneticDetails, instructionOf } from './details.js';
import { GenerationTally, type GenerationRow } from './generations.js';
import { colonyRng, type Parent } from './operators.js';

/**
 * strategy:genetic's view of the population between generations: per colony, the positions of the
 * kept records it may breed from (the seed population and its own records: colonies evolve
 * independently, arXiv 2407.21077 Figure 1), never the records themselves, and the per-generation
 * table. Each `update` reads only what was written since the last one (the query's marks), so a
 * generation costs what it added rather than the whole population. Memory: one number per kept
 * record plus the sampled parents. A fresh index (a resumed run) reads everything once and ends up
 * in the same state, since the files are the same.
 */
export class PopulationIndex {
  private seedPositions: number[] = [];
  private colonyPositions: number[][] = [];
  private marks = { kept: 0, rejected: 0 };
  private runDir: string | undefined;
  private tally: GenerationTally;

  constructor(
    private readonly strategy: string,
    private readonly colonies: number,
  ) {
    this.tally = new GenerationTally(strategy);
    this.reset(undefined);
  }

  /** Read the kept and rejected records written since the last update. */
  async update(query: DerivedSeedQuery): Promise<void> {
    // Another run directory, or files shorter than what was read: start over rather than mix two populations.
    if (query.runDir !== this.runDir || query.marks.kept < this.marks.kept || query.marks.rejected < this.marks.rejected) this.reset(query.runDir);
    for await (const { record, position } of query.keptEntries(this.marks.kept)) {
      this.tally.add(record);
      const d = geneticDetails(record, this.strategy);
      if (!d || !instructionOf(record)) continue;
      if (d.colony === null) this.seedPositions.push(position);
      else if (d.colony < this.colonies) this.colonyPositions[d.colony]!.push(position);
    }
    for await (const r of query.rejected(this.marks.rejected)) this.tally.add(r);
    this.marks = { ...query.marks };
  }

  /** Kept records of the seed population (generation 0) that carry an instruction. */
  get seedKept(): number {
    return this.seedPositions.length;
  }

  /** Kept evolved records per colony (index = colony). */
  get keptByColony(): number[] {
    return this.colonyPositions.map((p) => p.length);
  }

  /** The per-generation, per-colony table of everything read so far. */
  rows(): GenerationRow[] {
    return this.tally.rows();
  }

  /**
   * Per colony, a uniform sample without replacement of at most `poolSize` parents from the seed
   * population plus that colony's records (Floyd's algorithm, Bentley & Floyd, "A sample of
   * brilliance", CACM 1987), drawn from the colony's seeded stream for this generation and read
   * back by position, in file order. Deterministic: the same files and generation give the same
   * parents, so a resumed run breeds from the parents an uninterrupted run would.
   */
  async pools(query: DerivedSeedQuery, opts: { poolSize: number; seed: number; generation: number }): Promise<Parent[][]> {
    const out: Parent[][] = [];
    for (let c = 0; c < this.colonies; c++) {
      const own = this.colonyPositions[c]!;
      const n = this.seedPositions.length + own.length;
      const picks = sampleIndices(n, Math.min(opts.poolSize, n), colonyRng(opts.seed, c, opts.generation, 'parents'));
      const positions = picks.map((i) => (i < this.seedPositions.length ? this.seedPositions[i]! : own[i - this.seedPositions.length]!));
      const records = await query.readKept(positions);
      out.push(records.map((r) => ({ id: r.id, instruction: instructionOf(r)!, language: r.language })));
    }
    return out;
  }

  private reset(runDir: string | undefined): void {
    this.runDir = runDir;
    this.seedPositions = [];
    this.colonyPositions = Array.from({ length: this.colonies }, () => []);
    this.marks = { kept: 0, rejected: 0 };
    this.tally = new GenerationTally(this.strategy);
  }
}

/** `k` distinct indices of `0..n-1`, uniformly (Floyd's algorithm), sorted ascending. */
export function sampleIndices(n: number, k: number, rng: Rng): number[] {
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = Math.floor(rng() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}

/**
 * Kept samples each colony owes: (target − kept seed population) split evenly over the colonies,
 * the remainder to the lowest-numbered ones (colonies produce N/K each, issue #12).
 */
export function colonyQuotas(target: number, seedKept: number, colonies: number): number[] {
  const evolved = Math.max(0, target - seedKept);
  return Array.from({ length: colonies }, (_, c) => Math.floor(evolved / colonies) + (c < evolved % colonies ? 1 : 0));
}
