import type { Hardness } from './ifd.js';

/**
 * The three seed-choice criteria of Infinity Instruct's Phase 2 (arXiv 2506.11116): seeds that need
 * several abilities, seeds with long-tail abilities, seeds hard to follow. Pure functions over
 * tag counts and measured values; the selector (choose.ts) feeds them.
 */

/** Tag frequencies over the seeds that reached the selector: tag -> number of seeds carrying it. */
export type TagCounts = ReadonlyMap<string, number>;

/**
 * The long-tail cutoff: a tag is long-tail when its count is at most this. With `maxCount`, that
 * number; with `quantile` q, the count at the nearest rank ceil(q * T) among the T distinct tags
 * sorted by ascending count (the tags at the bottom q of the frequency distribution, ties included).
 * @returns 0 when there are no tags (no seed is long-tail).
 */
export function longTailCutoff(counts: TagCounts, rule: { quantile?: number; maxCount?: number }): number {
  if (rule.maxCount !== undefined) return rule.maxCount;
  const sorted = [...counts.values()].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((rule.quantile ?? 0) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Count each distinct tag once per seed. */
export function addTags(counts: Map<string, number>, tags: readonly string[]): void {
  for (const t of new Set(tags)) counts.set(t, (counts.get(t) ?? 0) + 1);
}

/** The seed's rarest tag and its count, or undefined for a seed without tags. Ties: the first in tag order. */
export function rarestTag(tags: readonly string[], counts: TagCounts): { tag: string; count: number } | undefined {
  let best: { tag: string; count: number } | undefined;
  for (const tag of tags) {
    const count = counts.get(tag) ?? 0;
    if (!best || count < best.count) best = { tag, count };
  }
  return best;
}

/** One criterion's outcome on one seed: met or not, and the text the drop reason shows. */
export interface CriterionResult {
  name: 'abilities' | 'long-tail' | 'hard';
  met: boolean;
  /** `abilities 1 < 3`, `long-tail: rarest tag "recursion" in 40 seeds > cutoff 3`, `hard: IFD 0.41 < 0.7`. */
  text: string;
}

export function abilitiesCriterion(tags: readonly string[], min: number): CriterionResult {
  const n = new Set(tags).size;
  return { name: 'abilities', met: n >= min, text: `abilities ${n} ${n >= min ? '>=' : '<'} ${min}` };
}

export function longTailCriterion(tags: readonly string[], counts: TagCounts, cutoff: number): CriterionResult {
  const rare = rarestTag(tags, counts);
  if (!rare) return { name: 'long-tail', met: false, text: 'long-tail: no tags' };
  const met = rare.count <= cutoff;
  return { name: 'long-tail', met, text: `long-tail: rarest tag ${JSON.stringify(rare.tag)} in ${rare.count} seed${rare.count === 1 ? '' : 's'} ${met ? '<=' : '>'} cutoff ${cutoff}` };
}

/**
 * Hard to follow: IFD in [minIfd, maxIfd) (IFD >= maxIfd: the instruction does not help, a
 * misaligned pair, Cherry LLM), or in the fallback a rating >= minRating.
 */
export function hardCriterion(h: Hardness, t: { minIfd: number; maxIfd: number; minRating: number }): CriterionResult {
  if (h.kind === 'none') return { name: 'hard', met: false, text: `hard: not measured (${h.why})` };
  if (h.kind === 'rating') {
    const met = h.value >= t.minRating;
    return { name: 'hard', met, text: `hard: rating ${h.value} ${met ? '>=' : '<'} ${t.minRating} (llm-rating fallback)` };
  }
  const v = round(h.value.ifd);
  if (h.value.ifd >= t.maxIfd) return { name: 'hard', met: false, text: `hard: IFD ${v} >= ${t.maxIfd} (instruction does not help: misaligned)` };
  const met = h.value.ifd >= t.minIfd;
  return { name: 'hard', met, text: `hard: IFD ${v} ${met ? '>=' : '<'} ${t.minIfd}` };
}

/** The drop reason of a seed no criterion chose: every criterion's value against its threshold. */
export function notChosenReason(results: readonly CriterionResult[], combine: 'any' | 'all'): string {
  return `not chosen (${combine === 'any' ? 'needs any of' : 'needs all of'} ${results.length} criteria): ${results.map((r) => r.text).join('; ')}`;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
