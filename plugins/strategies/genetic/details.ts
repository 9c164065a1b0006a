import type { SampleRecord } from '../../../core/index.js';

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
