import type { UsageTotals } from '../llm/types.js';
import type { UsageMeter } from '../llm/usage.js';

/**
 * The run directory's LLM usage per model, for run.json and the checkpoint: what the endpoint
 * received over every process that worked on the directory (the totals restored from the checkpoint
 * plus this process's meter). `calls` are HTTP requests sent (retries and failed attempts included),
 * `cachedCalls` replies served from the cache instead; see {@link UsageMeter}.
 * A process killed with SIGKILL loses the calls it made after its last checkpoint (at most
 * CHECKPOINT_INTERVAL_MS of work plus the calls in flight), so a resumed run may report fewer calls
 * than its endpoint received, never more.
 */
export class UsageTally {
  private readonly restored: Record<string, UsageTotals>;

  /** @param restore the `state()` saved in the checkpoint, if any. */
  constructor(
    restore: unknown,
    private readonly meter: UsageMeter,
  ) {
    this.restored = restore && typeof restore === 'object' ? structuredClone(restore as Record<string, UsageTotals>) : {};
  }

  /** Restored totals plus this process's, per model id, sorted by id. */
  totals(): Record<string, UsageTotals> {
    const live = this.meter.byModel();
    const out: Record<string, UsageTotals> = {};
    for (const id of [...new Set([...Object.keys(this.restored), ...Object.keys(live)])].sort()) {
      const a = this.restored[id] ?? { calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0 };
      const b = live[id] ?? { calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0 };
      out[id] = { calls: a.calls + b.calls, cachedCalls: a.cachedCalls + b.cachedCalls, sharedCalls: (a.sharedCalls ?? 0) + (b.sharedCalls ?? 0), promptTokens: a.promptTokens + b.promptTokens, completionTokens: a.completionTokens + b.completionTokens };
    }
    return out;
  }

  /**
   * What the checkpoint stores: the totals without this process's attempts still unanswered
   * (`UsageMeter.unanswered`). Such a request may not have left yet when the process is killed, and
   * the resumed run makes it again; counting it here too would report more calls than were received.
   */
  state(): unknown {
    const totals = this.totals();
    for (const [id, n] of Object.entries(this.meter.unanswered())) {
      const t = totals[id];
      if (t) t.calls -= n;
    }
    return totals;
  }
}
