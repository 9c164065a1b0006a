/**
 * Map an async source with up to `concurrency` calls in flight, yielding results in source order.
 * Memory is bounded by the window: at most `concurrency` items are pending at once, so a source of a
 * million seeds never sits in RAM. In-order emission is what makes a run's output files, and so a
 * resumed run's, identical to an uninterrupted one's.
 * A rejection is re-thrown when its turn comes; later items already started are left to settle.
 */
export async function* mapOrdered<T, R>(
  source: AsyncIterable<T>,
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): AsyncGenerator<R> {
  const window: Array<Promise<{ ok: true; value: R } | { ok: false; error: unknown }>> = [];
  const iterator = source[Symbol.asyncIterator]();
  let index = 0;
  let exhausted = false;
  const fill = async (): Promise<void> => {
    while (!exhausted && window.length < concurrency) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      const i = index++;
      // Settled-result wrapper: a rejection waiting in the window must not become an unhandled rejection.
      window.push(fn(next.value, i).then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error })));
    }
  };
  try {
    await fill();
    while (window.length > 0) {
      const result = await window.shift()!;
      if (!result.ok) throw result.error;
      yield result.value;
      await fill();
    }
  } finally {
    if (!exhausted) await iterator.return?.();
  }
}
