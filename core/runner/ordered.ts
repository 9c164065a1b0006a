/** How {@link mapOrdered} may grow its window beyond the base concurrency. */
export interface AdaptiveWindow {
  /** Most items in flight (started, not settled) at once; at least the base concurrency. */
  maxInFlight: number;
  /**
   * Most items held at once, in flight plus settled but waiting for an earlier one to be emitted
   * (the reorder buffer): the memory bound. At least `maxInFlight`.
   */
  maxHeld: number;
  /** True when more work would be done at once if more items were started (the LLM limiter has idle slots). */
  wantMore: () => boolean;
  /** How often to ask `wantMore` while nothing settles, in ms. */
  pollMs?: number;
}

/** Poll interval for {@link AdaptiveWindow.wantMore} when unset: well under one LLM call's latency; our choice. */
const DEFAULT_POLL_MS = 10;

type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Map an async source with `concurrency` calls in flight, yielding results in source order.
 *
 * Memory is bounded by the window, so a source of a million seeds never sits in RAM. In-order
 * emission is what makes a run's output files, and so a resumed run's, identical to an
 * uninterrupted one's. Items are started as soon as there is room, not when the oldest one is
 * emitted: a slow item at the head holds back only the emission of later ones, which wait in a
 * bounded reorder buffer while new items keep starting.
 *
 * With `adaptive`, up to `adaptive.maxInFlight` items run while `adaptive.wantMore()` says the
 * resource they wait on has idle capacity (it is asked whenever an item settles and every
 * `pollMs`), and at most `adaptive.maxHeld` are held in all. Without it, `concurrency` is both the
 * in-flight limit and the window.
 * A rejection is re-thrown when its turn comes; later items already started are left to settle.
 */
export async function* mapOrdered<T, R>(source: AsyncIterable<T>, concurrency: number, fn: (item: T, index: number) => Promise<R>, adaptive?: AdaptiveWindow): AsyncGenerator<R> {
  const iterator = source[Symbol.asyncIterator]();
  const maxInFlight = Math.max(concurrency, adaptive?.maxInFlight ?? concurrency);
  const maxHeld = Math.max(maxInFlight, adaptive?.maxHeld ?? concurrency);
  const done = new Map<number, Settled<R>>();
  let running = 0;
  let started = 0;
  let emitted = 0;
  let exhausted = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const room = () => {
    const held = running + done.size;
    if (exhausted || held >= maxHeld) return false;
    if (running < concurrency) return true;
    return running < maxInFlight && adaptive !== undefined && adaptive.wantMore();
  };
  const fill = async (): Promise<void> => {
    while (room()) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      const i = started++;
      running++;
      // Settled-result wrapper: a rejection waiting in the buffer must not become an unhandled rejection.
      void fn(next.value, i)
        .then((value): Settled<R> => ({ ok: true, value }), (error: unknown): Settled<R> => ({ ok: false, error }))
        .then((result) => {
          running--;
          done.set(i, result);
          notify();
        });
    }
  };

  try {
    for (;;) {
      await fill();
      const head = done.get(emitted);
      if (head) {
        done.delete(emitted);
        emitted++;
        if (!head.ok) throw head.error;
        yield head.value;
        continue;
      }
      if (exhausted && running === 0 && done.size === 0) break;
      // Wait for an item to settle, or (adaptive, with room left) for the poll to ask wantMore again.
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (adaptive && !exhausted && running < maxInFlight && running + done.size < maxHeld) {
          const timer = setTimeout(notify, adaptive.pollMs ?? DEFAULT_POLL_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        }
      });
    }
  } finally {
    if (!exhausted) await iterator.return?.();
  }
}
