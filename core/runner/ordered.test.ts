import { describe, expect, it } from 'vitest';
import { mapOrdered } from './ordered.js';

/** A task per item whose settlement the test controls. */
function controlled(n: number) {
  const resolvers: Array<(v: number) => void> = [];
  const rejecters: Array<(e: unknown) => void> = [];
  let running = 0;
  let maxRunning = 0;
  const started: number[] = [];
  async function* source() {
    for (let i = 0; i < n; i++) yield i;
  }
  const fn = (item: number) => {
    started.push(item);
    running++;
    maxRunning = Math.max(maxRunning, running);
    return new Promise<number>((resolve, reject) => {
      resolvers[item] = (v) => (running--, resolve(v));
      rejecters[item] = (e) => (running--, reject(e));
    });
  };
  return { source, fn, started, resolvers, rejecters, get running() { return running; }, get maxRunning() { return maxRunning; } };
}

const settle = () => new Promise((r) => setImmediate(r));

/** Drain `gen` in the background, collecting what it yields. */
function drain<R>(gen: AsyncGenerator<R>) {
  const out: R[] = [];
  const finished = (async () => {
    for await (const v of gen) out.push(v);
  })();
  return { out, finished };
}

describe('mapOrdered', () => {
  it('yields in source order whatever the order of completion, with at most `concurrency` in flight', async () => {
    const t = controlled(6);
    const { out, finished } = drain(mapOrdered(t.source(), 3, t.fn));
    await settle();
    expect(t.started).toEqual([0, 1, 2]);
    for (const i of [2, 1]) t.resolvers[i]!(i * 10);
    await settle();
    expect(out).toEqual([]); // item 0 is still running
    t.resolvers[0]!(0);
    await settle();
    for (const i of [5, 4, 3]) {
      t.resolvers[i]!(i * 10);
      await settle();
    }
    await finished;
    expect(out).toEqual([0, 10, 20, 30, 40, 50]);
    expect(t.maxRunning).toBe(3);
  });

  it('keeps starting items behind a slow head, up to the reorder bound, and emits them in order once it is done', async () => {
    const t = controlled(20);
    const { out, finished } = drain(mapOrdered(t.source(), 2, t.fn, { maxInFlight: 2, maxHeld: 6, wantMore: () => false }));
    await settle();
    // Item 0 is slow; every other item finishes at once.
    for (let k = 0; k < 10; k++) {
      for (const i of t.started.slice(1)) t.resolvers[i]?.(i);
      await settle();
    }
    expect(t.started).toEqual([0, 1, 2, 3, 4, 5]); // 0 running + 5 done = the bound of 6 held
    expect(t.maxRunning).toBe(2);
    expect(out).toEqual([]);
    t.resolvers[0]!(0);
    for (let k = 0; k < 40; k++) {
      for (const i of t.started) t.resolvers[i]?.(i);
      await settle();
    }
    await finished;
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('grows the items in flight up to maxInFlight while wantMore says so, and not beyond the base otherwise', async () => {
    let want = false;
    const t = controlled(50);
    const { finished } = drain(mapOrdered(t.source(), 2, t.fn, { maxInFlight: 8, maxHeld: 16, wantMore: () => want, pollMs: 1 }));
    await new Promise((r) => setTimeout(r, 20));
    expect(t.running).toBe(2);
    // No item settles: the poll notices the idle capacity.
    want = true;
    await new Promise((r) => setTimeout(r, 20));
    expect(t.running).toBe(8);
    want = false;
    for (let k = 0; k < 200 && t.started.length < 50; k++) {
      for (const i of t.started) t.resolvers[i]?.(i);
      await settle();
    }
    for (const i of t.started) t.resolvers[i]?.(i);
    await finished;
    expect(t.maxRunning).toBe(8);
  });

  it('re-throws a rejection when its turn comes, after the results before it', async () => {
    const t = controlled(4);
    const { out, finished } = drain(mapOrdered(t.source(), 4, t.fn));
    await settle();
    t.rejecters[1]!(new Error('seed 1 failed'));
    t.resolvers[2]!(2);
    t.resolvers[0]!(0);
    await expect(finished).rejects.toThrow('seed 1 failed');
    expect(out).toEqual([0]);
  });
});
