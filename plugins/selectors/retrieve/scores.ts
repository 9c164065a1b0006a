/**
 * Every score of a pass, in a growable Float32Array (4 bytes per row: 40 MB for 10M rows), for the
 * exact quantiles the selection report shows.
 */
export class ScoreLog {
  private values = new Float32Array(1024);
  private n = 0;

  add(score: number): void {
    if (this.n === this.values.length) {
      const next = new Float32Array(Math.ceil(this.values.length * 1.5));
      next.set(this.values);
      this.values = next;
    }
    this.values[this.n++] = score;
  }

  get count(): number {
    return this.n;
  }

  /** Quantiles (nearest rank) at the given fractions, rounded to 3 decimals; empty when no score was added. */
  quantiles(at: readonly number[]): Record<string, number> {
    if (this.n === 0) return {};
    const sorted = this.values.slice(0, this.n).sort();
    const out: Record<string, number> = {};
    for (const q of at) out[`p${Math.round(q * 100)}`] = round(sorted[Math.min(this.n - 1, Math.max(0, Math.ceil(q * this.n) - 1))]!);
    out.max = round(sorted[this.n - 1]!);
    return out;
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
