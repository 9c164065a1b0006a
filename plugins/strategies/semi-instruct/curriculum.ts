import type { CurriculumMeta } from '../../../core/index.js';

/**
 * Semi-Instruct's ranking step (arXiv 2403.00338, §3, "ranking"): samples are ordered by how many
 * test cases validated them, as a curriculum. The paper reads fewer test cases as harder;
 * `fewest-first` is its order, `most-first` the reverse (our addition).
 */
export type CurriculumOrder = 'fewest-first' | 'most-first';

/**
 * The `record.meta.curriculum` entry of a sample validated by `testCases` test cases: `rank` is the
 * count (fewest-first) or its negation (most-first), so that exporters with `order: curriculum`,
 * which emit ascending rank, follow the chosen order.
 */
export function curriculumFor(testCases: number, order: CurriculumOrder): CurriculumMeta & { by: 'test_cases'; order: CurriculumOrder } {
  return { by: 'test_cases', value: testCases, order, rank: order === 'fewest-first' ? testCases : -testCases };
}
