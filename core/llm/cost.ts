import type { LlmSettings, UsageTotals } from './types.js';

/** A run's cost from `llm.prices`, in the prices' currency (per million tokens in the config). */
export interface RunCost {
  /** Sum over the priced models. */
  total: number;
  /** Per priced model id that was used. */
  byModel: Record<string, number>;
  /** Models used that have no price: their tokens are not in `total`. */
  unpriced: string[];
}

/**
 * Cost of `usage` at `prices` (per million input and output tokens, by model id). Tokens are the
 * endpoint's own counts of what it answered, so billed failures (replies that failed validation,
 * replies the provider had to reject after they were generated) count; cached and shared replies,
 * which cost nothing this run, do not.
 * @returns undefined when no prices are configured.
 */
export function runCost(usage: Record<string, UsageTotals>, prices: LlmSettings['prices']): RunCost | undefined {
  if (Object.keys(prices).length === 0) return undefined;
  const out: RunCost = { total: 0, byModel: {}, unpriced: [] };
  for (const [model, u] of Object.entries(usage)) {
    const price = prices[model];
    if (!price) {
      if (u.promptTokens + u.completionTokens > 0) out.unpriced.push(model);
      continue;
    }
    const cost = (u.promptTokens * price.input + u.completionTokens * price.output) / 1_000_000;
    out.byModel[model] = cost;
    out.total += cost;
  }
  return out;
}
