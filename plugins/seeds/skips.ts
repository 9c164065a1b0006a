import type { SeedQuery } from '../../core/index.js';

/**
 * Forwards every skip to `query.skip` (the funnel) and keeps per-reason counts plus a few example
 * paths, so a source that ends with no seeds can say exactly what it passed over and why.
 * Memory is bounded: at most `examplesPerReason` paths are kept per reason.
 */
export class SkipTally {
  private readonly counts = new Map<string, number>();
  private readonly examples = new Map<string, string[]>();

  constructor(
    private readonly query: SeedQuery,
    private readonly examplesPerReason = 3,
  ) {}

  /** Record one skipped file or item (`path` as the user should see it) with a stable reason id. */
  skip(path: string, reason: string): void {
    this.query.skip(path, reason);
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    const ex = this.examples.get(reason) ?? [];
    if (ex.length < this.examplesPerReason) ex.push(path);
    this.examples.set(reason, ex);
  }

  /** Total skips so far. */
  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** Counts per reason, sorted by reason. */
  byReason(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** `binary: 2 (a.bin, b.png); minified: 1 (dist.js)` or `nothing` when no skips were recorded. */
  describe(): string {
    const parts = Object.entries(this.byReason()).map(([reason, n]) => {
      const ex = this.examples.get(reason) ?? [];
      const more = n > ex.length ? ', ...' : '';
      return `${reason}: ${n} (${ex.join(', ')}${more})`;
    });
    return parts.length > 0 ? parts.join('; ') : 'nothing';
  }
}
