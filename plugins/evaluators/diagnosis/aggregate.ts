import { TagVocabulary } from '../../selectors/tagging/vocabulary.js';
import type { CategoryPass, Deficiency, FailureDiagnosis, ItemTags, WeakCategory } from './types.js';

/** The category of items the tagger gave no level-2 tag (or whose tagging failed). */
export const UNTAGGED = 'untagged';

/**
 * Rank the weak abilities: every level-1 key the failures were diagnosed with, by the number of
 * failed items naming it (descending; ties by key, so the ranking is a pure function of its input).
 * Each gets its evidence (item ids in the order of `failures`, i.e. benchmark order), the
 * explanations, and its level-2 categories by how often they co-occurred (ties by name).
 * `vocabulary` gives the display form of each key; when absent the key is shown.
 * Undiagnosed failures name no ability and are left out (they are counted in diagnosis.json).
 */
export function rankDeficiencies(failures: readonly FailureDiagnosis[], vocabulary?: TagVocabulary): Deficiency[] {
  const byKey = new Map<string, { evidence: string[]; explanations: string[]; categories: Map<string, number> }>();
  for (const f of failures) {
    if (f.undiagnosed) continue;
    for (const key of new Set(f.abilities)) {
      let d = byKey.get(key);
      if (!d) byKey.set(key, (d = { evidence: [], explanations: [], categories: new Map() }));
      d.evidence.push(f.id);
      d.explanations.push(f.explanation);
      for (const c of new Set(f.categories)) d.categories.set(c, (d.categories.get(c) ?? 0) + 1);
    }
  }
  return [...byKey]
    .map(([key, d]) => ({ key, d }))
    .sort((a, b) => b.d.evidence.length - a.d.evidence.length || compare(a.key, b.key))
    .map(({ key, d }, i) => ({
      rank: i + 1,
      key,
      ability: vocabulary?.canonical(key) ?? key,
      count: d.evidence.length,
      categories: [...d.categories].sort((a, b) => b[1] - a[1] || compare(a[0], b[0])).map(([c]) => c),
      evidence: d.evidence,
      explanations: d.explanations,
    }));
}

/** Level-2 categories by the number of failed items diagnosed with them (descending; ties by name). */
export function rankCategories(failures: readonly FailureDiagnosis[]): WeakCategory[] {
  const by = new Map<string, string[]>();
  for (const f of failures) {
    if (f.undiagnosed) continue;
    for (const c of new Set(f.categories)) by.set(c, [...(by.get(c) ?? []), f.id]);
  }
  return [...by].sort((a, b) => b[1].length - a[1].length || compare(a[0], b[0])).map(([category, evidence]) => ({ category, count: evidence.length, evidence }));
}

/**
 * pass@1 per level-2 tag over a partition of the items: each item counts under its primary
 * category (the first level-2 tag the tagger gave; {@link UNTAGGED} for none), so the rows' `items`
 * add up to the number of items and their `passed` to the overall passed share times that number.
 * (An item under several tags would count several times and the table would not add up.) Rows by
 * items descending, ties by name; `passAt1` = passed / items.
 */
export function passByCategory(items: readonly ItemTags[], level2Key: string): CategoryPass[] {
  const by = new Map<string, { items: number; passed: number }>();
  for (const item of items) {
    const c = item.label[level2Key]?.[0] ?? UNTAGGED;
    const row = by.get(c) ?? { items: 0, passed: 0 };
    row.items++;
    row.passed += item.passAt1;
    by.set(c, row);
  }
  return [...by]
    .sort((a, b) => b[1].items - a[1].items || compare(a[0], b[0]))
    .map(([category, r]) => ({ category, items: r.items, passed: r.passed, passAt1: r.passed / r.items }));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
