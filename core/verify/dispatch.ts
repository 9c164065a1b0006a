/**
 * When the verify gate's analyzer batches leave (issue #15). Samples queue per language; a batch is
 * formed when it is handed to a free analyzer slot, so samples that arrive while every slot is busy
 * wait together and leave in one tool process instead of many small ones.
 */

/**
 * - `fill` (the gate's default): a free slot takes a language's queue, up to `batchSize`, once it is
 *   full, or no sample of that language arrived for `quietMs` (the flow paused: end of a pass, of
 *   the input, or a slow stretch), or its oldest sample has waited `maxWaitMs`.
 * - `slot`: a free slot takes whatever waits at once (no deliberate wait: batches are as large as
 *   the arrivals during the previous batches).
 * - `timer`: the policy before issue #15, kept for comparison: a batch is sealed when `batchSize`
 *   wait or `maxWaitMs` after its first sample, then waits for a slot in seal order without
 *   growing.
 */
export type DispatchMode = 'fill' | 'slot' | 'timer';

export interface DispatchPolicy {
  mode: DispatchMode;
  /** Most samples in one batch. */
  batchSize: number;
  /** `fill`: the longest a sample waits for company while a slot is free; `timer`: the seal delay. ms. */
  maxWaitMs: number;
  /** `fill`: a queue with no new sample for this long leaves partly filled. ms. */
  quietMs: number;
  /** Batches running at once, across languages. */
  slots: number;
}

/** Queues samples and hands batches to `run`. */
export interface Dispatcher<T> {
  add(language: string, item: T): void;
  /** Take out the waiting items `pick` selects (e.g. those whose run was aborted); returns them. */
  remove(pick: (item: T) => boolean): T[];
  /**
   * Let everything waiting now leave as slots free, without the `fill` wait: for a caller that
   * will send nothing more until these are checked (its window is full, its input ended).
   */
  flush(): void;
  /**
   * `true`: the input has ended (a run's pass read its last seed), so what arrives from now on comes
   * from the records still in flight and leaves as slots free, as under `slot`; `false` (a new pass)
   * goes back to the policy.
   */
  drain(on: boolean): void;
}

interface Entry<T> {
  item: T;
  at: number;
}

interface Queue<T> {
  entries: Array<Entry<T>>;
  lastAt: number;
  /** Set by flush(): leaves at the next free slot. */
  flushed?: boolean;
  sealTimer?: NodeJS.Timeout;
}

/**
 * Build a dispatcher. `run(language, batch)` checks one batch and must settle every item of it
 * itself; its promise must not reject (the dispatcher only counts it as finished).
 *
 * Arrivals of one tick are merged before any batch leaves (the dispatch runs in a microtask), so
 * concurrent callers fill one batch. Among languages ready at the same time, the one whose oldest
 * sample waited longest goes first. Every item leaves within `maxWaitMs` of a slot being free
 * (`fill`), so none waits forever.
 */
export function createDispatcher<T>(policy: DispatchPolicy, run: (language: string, batch: T[]) => Promise<void>): Dispatcher<T> {
  const queues = new Map<string, Queue<T>>();
  const sealed: Array<{ language: string; items: T[] }> = [];
  let running = 0;
  let draining = false;
  let scheduled = false;
  let wake: NodeJS.Timeout | undefined;

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      pump();
    });
  };

  function start(language: string, items: T[]): void {
    running++;
    void run(language, items).finally(() => {
      running--;
      schedule();
    });
  }

  /** When `q` may leave under `fill` (ms, performance.now() clock); `slot` is always ready. */
  function readyAt(q: Queue<T>): number {
    if (policy.mode === 'slot' || draining || q.flushed || q.entries.length >= policy.batchSize) return -Infinity;
    return Math.min(q.lastAt + policy.quietMs, q.entries[0]!.at + policy.maxWaitMs);
  }

  function pump(): void {
    if (wake) clearTimeout(wake);
    wake = undefined;
    if (policy.mode === 'timer') {
      while (running < policy.slots && sealed.length) {
        const b = sealed.shift()!;
        start(b.language, b.items);
      }
      return;
    }
    while (running < policy.slots) {
      const now = performance.now();
      let best: [string, Queue<T>] | undefined;
      for (const entry of queues) {
        if (readyAt(entry[1]) > now) continue;
        if (!best || entry[1].entries[0]!.at < best[1].entries[0]!.at) best = entry;
      }
      if (!best) break;
      const [language, q] = best;
      const items = q.entries.splice(0, policy.batchSize).map((e) => e.item);
      if (q.entries.length === 0) queues.delete(language);
      start(language, items);
    }
    if (running >= policy.slots || queues.size === 0) return; // a finishing batch calls pump again
    const next = Math.min(...[...queues.values()].map(readyAt));
    // At least 1 ms: a timer may fire a little before the performance.now() it was set for.
    wake = setTimeout(pump, Math.max(1, Math.ceil(next - performance.now())));
  }

  function seal(language: string): void {
    const q = queues.get(language);
    if (!q) return;
    if (q.sealTimer) clearTimeout(q.sealTimer);
    queues.delete(language);
    sealed.push({ language, items: q.entries.map((e) => e.item) });
    schedule();
  }

  return {
    add(language, item) {
      const now = performance.now();
      let q = queues.get(language);
      if (!q) queues.set(language, (q = { entries: [], lastAt: now }));
      q.entries.push({ item, at: now });
      q.lastAt = now;
      if (policy.mode !== 'timer') return schedule();
      if (q.entries.length >= policy.batchSize) seal(language);
      else q.sealTimer ??= setTimeout(() => seal(language), policy.maxWaitMs);
    },
    remove(pick) {
      const out: T[] = [];
      for (const [language, q] of queues) {
        const keep = q.entries.filter((e) => !pick(e.item));
        if (keep.length === q.entries.length) continue;
        out.push(...q.entries.filter((e) => pick(e.item)).map((e) => e.item));
        q.entries = keep;
        if (keep.length === 0) {
          if (q.sealTimer) clearTimeout(q.sealTimer);
          queues.delete(language);
        }
      }
      for (const b of sealed) {
        out.push(...b.items.filter(pick));
        b.items = b.items.filter((i) => !pick(i));
      }
      for (let i = sealed.length - 1; i >= 0; i--) if (sealed[i]!.items.length === 0) sealed.splice(i, 1);
      if (out.length) schedule();
      return out;
    },
    flush() {
      if (policy.mode === 'timer') {
        for (const language of [...queues.keys()]) seal(language);
        return;
      }
      for (const q of queues.values()) q.flushed = true;
      schedule();
    },
    drain(on) {
      draining = on;
      if (on && policy.mode === 'timer') for (const language of [...queues.keys()]) seal(language);
      if (on) schedule();
    },
  };
}
