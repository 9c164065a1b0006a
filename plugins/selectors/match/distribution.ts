/**
 * Tag distributions and distribution matching (Infinity Instruct Phase 1, arXiv 2506.11116: select
 * pool rows whose tag distribution follows an evaluation set's). Pure functions over tag lists;
 * rows are multi-label.
 */

/** A discrete distribution over tags: tag → probability, summing to 1 (empty when there were no tags). */
export type Distribution = Map<string, number>;

/**
 * The tag distribution of rows: every distinct tag of a row counts once, and counts are divided by
 * their total (so a row with three tags weighs three times a row with one: each tag occurrence is a
 * sample of the set's topics). Rows without tags add nothing. Keys in first-seen order.
 */
export function tagDistribution(rows: Iterable<readonly string[]>): Distribution {
  const counts = new Map<string, number>();
  let total = 0;
  for (const row of rows) {
    for (const t of new Set(row)) {
      counts.set(t, (counts.get(t) ?? 0) + 1);
      total++;
    }
  }
  for (const [t, n] of counts) counts.set(t, n / total);
  return counts;
}

/**
 * Jensen-Shannon divergence of two distributions, base 2 (Lin 1991), so it lies in [0, 1]: 0 for
 * identical distributions, 1 for disjoint supports. An empty distribution (no tags) is taken as
 * disjoint from any non-empty one (1), and two empty ones as identical (0).
 */
export function jsDivergence(p: Distribution, q: Distribution): number {
  if (p.size === 0 || q.size === 0) return p.size === q.size ? 0 : 1;
  let sum = 0;
  for (const [t, pt] of p) sum += term(pt, q.get(t) ?? 0);
  for (const [t, qt] of q) if (!p.has(t)) sum += term(0, qt);
  return clamp01(sum);
}

/** One tag's share of JS(P, Q): ½·p·log2(2p/(p+q)) + ½·q·log2(2q/(p+q)), with 0·log 0 = 0. */
function term(p: number, q: number): number {
  const m = p + q;
  if (m === 0) return 0;
  return (p > 0 ? 0.5 * p * Math.log2((2 * p) / m) : 0) + (q > 0 ? 0.5 * q * Math.log2((2 * q) / m) : 0);
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/**
 * Choose `k` rows whose tag distribution follows `target`: a greedy quota fill. The target implies
 * a quota per tag (its share of the selection's tag occurrences); each step adds the row whose tags
 * make the selection's distribution closest to the target, i.e. minimise JS(target, selection + row),
 * which favours rows carrying the tags furthest below their quota and penalises tags already over
 * theirs or absent from the target. Ties go to the earliest row, so the result is deterministic.
 * Our choice of algorithm (the paper states the goal, not the procedure). Rows without tags are never
 * chosen. Rows with the same tag set are interchangeable, so the step scores each distinct tag set once
 * (cost per step: distinct tag sets × their size, plus the tags in play × distinct set sizes).
 * @param rows the candidates' tags, in pool order
 * @returns indices of the chosen rows, ascending (pool order); fewer than `k` only when fewer rows have tags
 */
export function selectByDistribution(rows: readonly (readonly string[])[], target: Distribution, k: number): number[] {
  const groups = new Map<string, { tags: string[]; rows: number[]; next: number }>();
  rows.forEach((row, i) => {
    const tags = [...new Set(row)].sort();
    if (tags.length === 0) return;
    const key = tags.join('\u0000');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { tags, rows: [], next: 0 }));
    g.rows.push(i);
  });
  const live = [...groups.values()];
  const sizes = [...new Set(live.map((g) => g.tags.length))];
  const counts = new Map<string, number>();
  const active = new Set(target.keys());
  let total = 0;
  const chosen: number[] = [];
  const p = (t: string) => target.get(t) ?? 0;
  while (chosen.length < k) {
    // base[s]: JS terms of every tag in play with the selection's counts over a total of total + s.
    const base = new Map<number, number>();
    for (const s of sizes) {
      let b = 0;
      for (const t of active) b += term(p(t), (counts.get(t) ?? 0) / (total + s));
      base.set(s, b);
    }
    let best: (typeof live)[number] | undefined;
    let bestScore = Infinity;
    for (const g of live) {
      if (g.next >= g.rows.length) continue;
      const n = total + g.tags.length;
      let score = base.get(g.tags.length)!;
      for (const t of g.tags) {
        const c = counts.get(t) ?? 0;
        score += term(p(t), (c + 1) / n) - (active.has(t) ? term(p(t), c / n) : 0);
      }
      // Strictly better, or equal within rounding and earlier in the pool.
      if (score < bestScore - 1e-12 || (Math.abs(score - bestScore) <= 1e-12 && best && g.rows[g.next]! < best.rows[best.next]!)) {
        best = g;
        bestScore = score;
      }
    }
    if (!best) break;
    chosen.push(best.rows[best.next++]!);
    for (const t of best.tags) {
      counts.set(t, (counts.get(t) ?? 0) + 1);
      active.add(t);
    }
    total += best.tags.length;
  }
  return chosen.sort((a, b) => a - b);
}
