/** An entry of {@link TopK}: a score and the entry's place in the stream (ties go to the earlier). */
export interface Ranked<T> {
  score: number;
  index: number;
  value: T;
}

/**
 * The `k` best entries of a stream by score, in a binary min-heap of at most `k` entries (the worst
 * kept entry at the root). Among equal scores the earlier entry (smaller index) ranks higher, so the
 * result does not depend on anything but the stream's order.
 */
export class TopK<T> {
  private readonly heap: Ranked<T>[] = [];
  constructor(readonly k: number) {}

  get size(): number {
    return this.heap.length;
  }

  /** The worst entry kept so far (the current cutoff), when `k` entries are held. */
  get worst(): Ranked<T> | undefined {
    return this.heap.length === this.k ? this.heap[0] : undefined;
  }

  /**
   * Offer an entry. @returns the entry that left the top `k` (the offered one itself when it does
   * not rank above the current worst), or undefined when nothing left.
   */
  offer(e: Ranked<T>): Ranked<T> | undefined {
    const h = this.heap;
    if (h.length < this.k) {
      h.push(e);
      this.up(h.length - 1);
      return undefined;
    }
    if (!below(h[0]!, e)) return e;
    const out = h[0]!;
    h[0] = e;
    this.down(0);
    return out;
  }

  /** The kept entries in stream order (by index). */
  inOrder(): Ranked<T>[] {
    return [...this.heap].sort((a, b) => a.index - b.index);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!below(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && below(h[l]!, h[m]!)) m = l;
      if (r < h.length && below(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

// a ranks below b: a lower score, or the same score later in the stream.
function below(a: Ranked<unknown>, b: Ranked<unknown>): boolean {
  return a.score < b.score || (a.score === b.score && a.index > b.index);
}
