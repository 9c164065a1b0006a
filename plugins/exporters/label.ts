import type { PreparedSample } from '../../core/index.js';

/**
 * The `label` field of a row: the record's tags (e.g. Infinity Instruct's
 * `{ ability_en, cate_ability_en }`, the shape its released records carry beside the conversation),
 * or nothing when the record has none, so rows of untagged runs are unchanged.
 */
export function labelOf(sample: PreparedSample): { label?: PreparedSample['label'] } {
  return sample.label ? { label: sample.label } : {};
}
