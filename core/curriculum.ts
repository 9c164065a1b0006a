import type { SampleRecord } from './record.js';

/**
 * A sample's place in a training curriculum, written by a strategy to `record.meta.curriculum` and
 * read by the exporters (`order: curriculum`). The key is plugin-neutral so that any strategy can
 * rank its samples and no exporter needs to know which one did.
 *
 * Semi-Instruct (arXiv 2403.00338, §3, "ranking") is the origin: samples ordered by how many test
 * cases validated them, fewer first (read as harder).
 */
export interface CurriculumMeta {
  /** What was counted, e.g. `test_cases`. */
  by: string;
  /** The count or score itself. */
  value: number;
  /** The ordering the strategy chose (e.g. `fewest-first`); informative only. */
  order?: string;
  /** The sort key: exporters emit training samples by ascending rank. */
  rank: number;
}

/** A record's curriculum rank, or `undefined` when it has none (missing, or not a finite number). */
export function curriculumRank(record: Pick<SampleRecord, 'meta'>): number | undefined {
  const rank = (record.meta?.curriculum as Partial<CurriculumMeta> | undefined)?.rank;
  return typeof rank === 'number' && Number.isFinite(rank) ? rank : undefined;
}

/**
 * Comparator for curriculum order: ascending `meta.curriculum.rank`; records without a rank go last.
 * Equal ranks compare equal, so a stable sort (Array.prototype.sort is stable) keeps their input order.
 */
export function compareByCurriculum(a: Pick<SampleRecord, 'meta'>, b: Pick<SampleRecord, 'meta'>): number {
  const x = curriculumRank(a) ?? Number.POSITIVE_INFINITY;
  const y = curriculumRank(b) ?? Number.POSITIVE_INFINITY;
  return x === y ? 0 : x < y ? -1 : 1;
}
