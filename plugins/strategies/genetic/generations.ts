import type { SampleRecord } from '../../../core/index.js';
import { geneticDetails } from './details.js';

/** One row of `genetic/generations.json`: what one colony did in one generation. */
export interface GenerationRow {
  generation: number;
  /** null: the seed population (generation 0), shared by every colony. */
  colony: number | null;
  /** Records the generation made (kept + dropped at any stage). */
  made: number;
  /** By mutation / by crossover. */
  mutation: number;
  crossover: number;
  /** Dropped while the Instructor wrote the instruction (invalid output, ...). */
  synthesisOut: number;
  /** Dropped by the Judge (judge:genetic, or another judge) on the pair. */
  judgedOut: number;
  /** Dropped by static verification (an analyzer) or a failing unit test. */
  verifiedOut: number;
  /** Dropped by a filter (dedup, decontamination). */
  duplicatesOut: number;
  /** Dropped elsewhere (responder failures, ...). */
  otherOut: number;
  kept: number;
  /** The colony's population after this generation: the kept seed population plus the colony's kept records so far. */
  population: number;
}

type Counts = Omit<GenerationRow, 'generation' | 'colony' | 'population'>;

/**
 * The per-generation, per-colony table, counted one record at a time as the run writes them, so a
 * generation costs what it added, not the population so far. Rows are sorted by generation, then
 * colony (seed population first).
 */
export class GenerationTally {
  private readonly counts = new Map<string, { generation: number; colony: number | null; counts: Counts }>();

  constructor(private readonly strategy: string) {}

  /** Count one kept or rejected record; records of other strategies are ignored. */
  add(rec: SampleRecord): void {
    const d = geneticDetails(rec, this.strategy);
    if (!d) return;
    const c = this.row(rec.lineage.generation, d.colony);
    c.made += 1;
    if (d.operator === 'mutation') c.mutation += 1;
    if (d.operator === 'crossover') c.crossover += 1;
    const dropped = rec.dropped;
    if (!dropped) c.kept += 1;
    else if (dropped.stage === 'synthesized') c.synthesisOut += 1;
    else if (dropped.plugin.startsWith('judge:')) c.judgedOut += 1;
    else if (dropped.stage === 'verified') c.verifiedOut += 1;
    else if (dropped.stage === 'filtered') c.duplicatesOut += 1;
    else c.otherOut += 1;
  }

  rows(): GenerationRow[] {
    const sorted = [...this.counts.values()].sort((a, b) => a.generation - b.generation || (a.colony ?? -1) - (b.colony ?? -1));
    const seedKept = sorted.filter((r) => r.colony === null).reduce((n, r) => n + r.counts.kept, 0);
    const running = new Map<number, number>();
    return sorted.map(({ generation, colony, counts }) => {
      let population = seedKept;
      if (colony !== null) {
        population = (running.get(colony) ?? seedKept) + counts.kept;
        running.set(colony, population);
      }
      return { generation, colony, ...counts, population };
    });
  }

  private row(generation: number, colony: number | null): Counts {
    const key = `${generation}/${colony}`;
    let r = this.counts.get(key);
    if (!r) {
      r = { generation, colony, counts: { made: 0, mutation: 0, crossover: 0, synthesisOut: 0, judgedOut: 0, verifiedOut: 0, duplicatesOut: 0, otherOut: 0, kept: 0 } };
      this.counts.set(key, r);
    }
    return r.counts;
  }
}

/** The table of everything in `kept` then `rejected` (see {@link GenerationTally}). */
export async function generationTable(kept: AsyncIterable<SampleRecord>, rejected: AsyncIterable<SampleRecord>, strategy: string): Promise<GenerationRow[]> {
  const tally = new GenerationTally(strategy);
  for await (const r of kept) tally.add(r);
  for await (const r of rejected) tally.add(r);
  return tally.rows();
}

/** The table as aligned text, for logs and the README. */
export function formatGenerationTable(rows: readonly GenerationRow[]): string {
  const head = ['gen', 'colony', 'made', 'mut', 'cross', 'synth-out', 'judged-out', 'verified-out', 'dup-out', 'kept', 'population'];
  const body = rows.map((r) => [r.generation, r.colony ?? 'seed', r.made, r.mutation, r.crossover, r.synthesisOut, r.judgedOut, r.verifiedOut, r.duplicatesOut, r.kept, r.population].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [head, ...body].map((cells) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ')).join('\n');
}
