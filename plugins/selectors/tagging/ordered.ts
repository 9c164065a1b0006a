/**
 * `fn` over a stream with at most `limit` calls in flight, results in input order: a window of
 * pending promises whose head is yielded first, so one slow item holds back at most `limit - 1`
 * finished ones. A rejection surfaces when its item's turn comes (the rest still in flight are left
 * to settle, their rejections observed). Stops reading when `signal` is aborted.
 */
export async function* mapOrdered<T, R>(source: AsyncIterable<T>, limit: number, fn: (item: T) => Promise<R>, signal?: AbortSignal): AsyncGenerator<R> {
  const window: Promise<R>[] = [];
  for await (const item of source) {
    if (signal?.aborted) return;
    const p = fn(item);
    p.catch(() => {});
    window.push(p);
    if (window.length >= limit) yield await window.shift()!;
  }
  while (window.length > 0) yield await window.shift()!;
}
