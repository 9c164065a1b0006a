import type { UsageEntry } from '../record.js';
import type { UsageTotals } from './types.js';

/**
 * Counts, per model, what the endpoint received and sent back: `calls` are HTTP requests sent (every
 * attempt, so a retried 429 counts twice, as the server saw it), `cachedCalls` the calls answered
 * from the request cache instead (nothing sent), and tokens those the endpoint reported for its
 * replies. A reply shared by several records (one problem rewritten in six directions) is one call
 * here, however many records carry its {@link UsageEntry}. `sharedCalls` are calls answered by an
 * identical call in flight at the same time (single-flight, nothing sent). Tokens of cached and
 * shared replies are kept apart in {@link cachedTokens}.
 */
export class UsageMeter {
  private readonly perModel = new Map<string, UsageTotals>();
  private readonly pending = new Map<string, number>();
  private readonly cached = { promptTokens: 0, completionTokens: 0 };
  private readonly listeners = new Set<(entry: UsageEntry) => void>();
  private sink?: () => UsageMeter | undefined;

  /**
   * Also count every event into the meter `sink()` returns at that moment, if any: a queue worker's
   * per-job usage (its concurrent jobs share this meter; the sink is the calling job's own meter).
   */
  teeTo(sink: () => UsageMeter | undefined): void {
    this.sink = sink;
  }

  /** One HTTP request is about to be sent to the endpoint serving `modelId`. */
  sent(modelId: string): void {
    this.totalsOf(modelId).calls++;
    this.sink?.()?.sent(modelId);
  }

  /**
   * {@link sent}, for an attempt that stays unanswered until the returned function is called (once
   * its reply or failure is in). Until then {@link unanswered} counts it: the request may not have
   * left the process yet (a connection still opening), so a checkpoint leaves it out
   * (`UsageTally.state`), and a run killed before it left does not count it twice after the resume.
   */
  sending(modelId: string): () => void {
    this.sent(modelId);
    this.pending.set(modelId, (this.pending.get(modelId) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.pending.set(modelId, this.pending.get(modelId)! - 1);
    };
  }

  /** Attempts counted by {@link sending} whose reply or failure is not in yet, per model id. */
  unanswered(): Record<string, number> {
    return Object.fromEntries([...this.pending].filter(([, n]) => n > 0));
  }

  /**
   * A reply was obtained (from the endpoint, or from the cache when `entry.cached`; `shared`: from an
   * identical call in flight, the entry then being `cached` too).
   */
  record(entry: UsageEntry, how?: { shared: true }): void {
    const t = this.totalsOf(entry.model);
    if (entry.cached) {
      if (how?.shared) t.sharedCalls = (t.sharedCalls ?? 0) + 1;
      else t.cachedCalls++;
      this.cached.promptTokens += entry.promptTokens;
      this.cached.completionTokens += entry.completionTokens;
    } else {
      t.promptTokens += entry.promptTokens;
      t.completionTokens += entry.completionTokens;
    }
    this.sink?.()?.record(entry, how);
    for (const l of this.listeners) l(entry);
  }

  /** A failed attempt to `modelId` came back with usage (billed): its tokens count. */
  billed(modelId: string, tokens: { promptTokens: number; completionTokens: number }): void {
    const t = this.totalsOf(modelId);
    t.promptTokens += tokens.promptTokens;
    t.completionTokens += tokens.completionTokens;
    this.sink?.()?.billed(modelId, tokens);
  }

  /** Add totals counted elsewhere (a queue worker's, for the seeds it processed), per model id. */
  add(byModel: Record<string, UsageTotals>): void {
    for (const [id, u] of Object.entries(byModel)) {
      const t = this.totalsOf(id);
      t.calls += u.calls;
      t.cachedCalls += u.cachedCalls;
      t.sharedCalls = (t.sharedCalls ?? 0) + (u.sharedCalls ?? 0);
      t.promptTokens += u.promptTokens;
      t.completionTokens += u.completionTokens;
    }
  }

  /** Totals per model id (`openai:gpt-4o`), sorted by id; copies, safe to serialise. */
  byModel(): Record<string, UsageTotals> {
    const out: Record<string, UsageTotals> = {};
    for (const id of [...this.perModel.keys()].sort()) out[id] = { ...this.perModel.get(id)! };
    return out;
  }

  /** Totals over all models. */
  total(): UsageTotals {
    const out: UsageTotals = { calls: 0, cachedCalls: 0, sharedCalls: 0, promptTokens: 0, completionTokens: 0 };
    for (const t of this.perModel.values()) {
      out.calls += t.calls;
      out.cachedCalls += t.cachedCalls;
      out.sharedCalls! += t.sharedCalls ?? 0;
      out.promptTokens += t.promptTokens;
      out.completionTokens += t.completionTokens;
    }
    return out;
  }

  /** Tokens of the replies served from the cache (not spent this run, not in the totals). */
  cachedTokens(): { promptTokens: number; completionTokens: number } {
    return { ...this.cached };
  }

  /** Be told about every recorded reply (progress display). Returns an unsubscribe function. */
  onRecord(listener: (entry: UsageEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private totalsOf(modelId: string): UsageTotals {
    let t = this.perModel.get(modelId);
    if (!t) this.perModel.set(modelId, (t = { calls: 0, cachedCalls: 0, sharedCalls: 0, promptTokens: 0, completionTokens: 0 }));
    return t;
  }
}
