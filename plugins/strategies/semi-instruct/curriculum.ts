import type { SampleRecord } from '../../../core/index.js';

/**
 * Semi-Instruct's ranking step (arXiv 2403.00338, §3, "ranking"): samples are ordered by how many
 * test cases validated them, as a curriculum. The paper reads fewer test cases as harder;
 * `fewest-first` is its order, `most-first` the reverse (our addition).
 */
export type CurriculumOrder = 'fewest-first' | 'most-first';

/**
 * What the strategy writes to `record.meta.curriculum` (a plugin-neutral key, so that any strategy
 * can rank its samples and exporters need not know which one did):
 * - `by`: what was counted (`test_cases`);
 * - `value`: the count;
 * - `rank`: the sort key; exporters honouring a curriculum emit samples by ascending rank,
 *   ties in their usual (shuffled) order.
 */
export interface CurriculumMeta {
  by: 'test_cases';
  value: number;
  order: CurriculumOrder;
  rank: number;
}

/** The curriculum entry of a sample validated by `testCases` test cases. */
export function curriculumFor(testCases: number, order: CurriculumOrder): CurriculumMeta {
  return { by: 'test_cases', value: testCases, order, rank: order === 'fewest-first' ? testCases : -testCases };
}

/**
 * Comparator for exporters: ascending `meta.curriculum.rank`; samples without a rank go last, and
 * equal ranks keep their input order (Array.prototype.sort is stable).
 */
export function compareByCurriculum(a: Pick<SampleRecord, 'meta'>, b: Pick<SampleRecord, 'meta'>): number {
  const x = rankOf(a);
  const y = rankOf(b);
  return x === y ? 0 : x < y ? -1 : 1;
}

function rankOf(r: Pick<SampleRecord, 'meta'>): number {
  const rank = (r.meta.curriculum as Partial<CurriculumMeta> | undefined)?.rank;
  return typeof rank === 'number' && Number.isFinite(rank) ? rank : Number.POSITIVE_INFINITY;
}
