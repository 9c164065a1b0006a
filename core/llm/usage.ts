import type { UsageEntry } from '../record.js';
import type { UsageTotals } from './types.js';

/**
 * Aggregates the {@link UsageEntry} of every LLM call of a run: totals per model (for run.json and
 * the progress display) and overall. A cached call counts in `calls` and `cachedCalls` and adds the
 * tokens of the original reply, so totals describe the dataset's cost whether or not it was paid
 * this run; subtract `cachedTokens()` for what this run spent.
 */
export class UsageMeter {
  private readonly perModel = new Map<string, UsageTotals>();
  private readonly cached = { promptTokens: 0, completionTokens: 0 };
  private readonly listeners = new Set<(entry: UsageEntry) => void>();

  /** Add one call. */
  record(entry: UsageEntry): void {
    const t = this.perModel.get(entry.model) ?? { calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0 };
    t.calls++;
    if (entry.cached) {
      t.cachedCalls++;
      this.cached.promptTokens += entry.promptTokens;
      this.cached.completionTokens += entry.completionTokens;
    }
    t.promptTokens += entry.promptTokens;
    t.completionTokens += entry.completionTokens;
    this.perModel.set(entry.model, t);
    for (const l of this.listeners) l(entry);
  }

  /** Totals per model id (`openai:gpt-4o`), sorted by id; copies, safe to serialise. */
  byModel(): Record<string, UsageTotals> {
    const out: Record<string, UsageTotals> = {};
    for (const id of [...this.perModel.keys()].sort()) out[id] = { ...this.perModel.get(id)! };
    return out;
  }

  /** Totals over all models. */
  total(): UsageTotals {
    const out: UsageTotals = { calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0 };
    for (const t of this.perModel.values()) {
      out.calls += t.calls;
      out.cachedCalls += t.cachedCalls;
      out.promptTokens += t.promptTokens;
      out.completionTokens += t.completionTokens;
    }
    return out;
  }

  /** Tokens included in the totals that came from the cache (not spent this run). */
  cachedTokens(): { promptTokens: number; completionTokens: number } {
    return { ...this.cached };
  }

  /** Be told about every recorded call (progress display). Returns an unsubscribe function. */
  onRecord(listener: (entry: UsageEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
