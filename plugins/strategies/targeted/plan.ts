/**
 * Instructions to write for one deficiency: `perDeficiency` for the top-ranked one, the others in
 * proportion to their failure count (`round(perDeficiency * count / topCount)`), at least one each,
 * so a weak ability behind many failures gets more training data than one behind a single failure
 * (Infinity Instruct, arXiv 2506.11116, synthesises for the diagnosed weaknesses; the proportional
 * split is our choice). `topCount` <= 0 (no ranking known) gives `perDeficiency`.
 */
export function targetedCount(perDeficiency: number, count: number, topCount: number): number {
  if (topCount <= 0) return perDeficiency;
  return Math.max(1, Math.round((perDeficiency * Math.min(count, topCount)) / topCount));
}
