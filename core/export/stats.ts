/** Summary of a list of token counts. Percentiles use the nearest-rank method; all zero when empty. */
export interface LengthStats {
  count: number;
  total: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

/** Summarize token lengths (sorts a copy; O(n log n)). */
export function lengthStats(values: readonly number[]): LengthStats {
  if (values.length === 0) return { count: 0, total: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 };
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  const total = values.reduce((a, v) => a + v, 0);
  return {
    count: values.length,
    total,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    mean: Math.round((total / values.length) * 10) / 10,
    p50: rank(0.5),
    p90: rank(0.9),
    p99: rank(0.99),
  };
}
