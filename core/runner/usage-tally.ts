import type { UsageTotals } from '../llm/types.js';
import type { SampleRecord } from '../record.js';

/**
 * Token usage per model summed over the records written (kept and rejected). Derived from records
 * rather than from live calls so that run.json reports the same figures for a resumed run as for an
 * uninterrupted one (the live meter of a resumed process sees replays as cache hits).
 */
export class UsageTally {
  private byModel: Record<string, UsageTotals>;

  constructor(restore?: unknown) {
    this.byModel = restore && typeof restore === 'object' ? structuredClone(restore as Record<string, UsageTotals>) : {};
  }

  add(records: readonly SampleRecord[]): void {
    for (const r of records) {
      for (const u of r.usage) {
        const t = (this.byModel[u.model] ??= { calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0 });
        t.calls += 1;
        t.promptTokens += u.promptTokens;
        t.completionTokens += u.completionTokens;
      }
    }
  }

  totals(): Record<string, UsageTotals> {
    return structuredClone(this.byModel);
  }

  state(): unknown {
    return this.byModel;
  }
}
