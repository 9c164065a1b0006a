import { describe, expect, it } from 'vitest';
import { EndpointLimiter, type Slot } from './limiter.js';

/** Let queued promise callbacks run. */
const tick = () => new Promise((r) => setImmediate(r));

describe('EndpointLimiter', () => {
  it('lets at most the limit in flight, in arrival order', async () => {
    const limiter = new EndpointLimiter(2);
    const got: number[] = [];
    const slots: Slot[] = [];
    for (let i = 0; i < 4; i++) void limiter.acquire('m', 1).then((s) => (got.push(i), slots.push(s)));
    await tick();
    expect(got).toEqual([0, 1]);
    expect(limiter.queued).toBe(2);
    expect(limiter.wantsWork()).toBe(false);
    limiter.release(slots[0]!, 'ok');
    await tick();
    expect(got).toEqual([0, 1, 2]);
  });

  it('halves the limit on overload once per congestion event, never below 1, and recovers additively up to the maximum', async () => {
    let now = 0;
    const limiter = new EndpointLimiter(16, null, () => now);
    const slots = await Promise.all(Array.from({ length: 16 }, () => limiter.acquire('m', 1)));
    now = 10;
    // 16 attempts sent together all come back 429: one event, one halving.
    for (const s of slots) limiter.release(s, 'overload');
    expect(limiter.limit).toBe(8);
    // An attempt sent after the decrease and failing again halves again, down to 1 at most.
    for (let i = 0; i < 6; i++) {
      now += 10;
      const s = await limiter.acquire('m', 1);
      now += 10;
      limiter.release(s, 'overload');
    }
    expect(limiter.limit).toBe(1);
    // Successes add 1/limit each: one slot per window of successes.
    let successes = 0;
    while (limiter.limit < 16) {
      limiter.release(await limiter.acquire('m', 1), 'ok');
      successes++;
    }
    expect(successes).toBeGreaterThan(16); // additive, not a jump back
    for (let i = 0; i < 100; i++) limiter.release(await limiter.acquire('m', 1), 'ok');
    expect(limiter.limit).toBe(16); // never above llm.concurrency
  });

  it('holds attempts while the learned request budget is spent, until the window resets', async () => {
    const limiter = new EndpointLimiter(8);
    const first = await limiter.acquire('m', 1);
    limiter.release(first, 'ok', { remainingRequests: 0, resetRequestsMs: 60 });
    let through = false;
    void limiter.acquire('m', 1).then(() => (through = true));
    await tick();
    expect(through).toBe(false);
    expect(limiter.queued).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(through).toBe(true);
  });

  it('keeps rate state per model: one model spent does not hold another', async () => {
    const limiter = new EndpointLimiter(8);
    limiter.release(await limiter.acquire('a', 1), 'ok', { remainingRequests: 0, resetRequestsMs: 10_000 });
    await expect(limiter.acquire('b', 1)).resolves.toMatchObject({ model: 'b' });
    limiter.close(new Error('done'));
  });

  it('rejects waiters and later acquires with the reason once closed', async () => {
    const limiter = new EndpointLimiter(1);
    await limiter.acquire('m', 1);
    const waiting = limiter.acquire('m', 1);
    limiter.close(new Error('breaker tripped'));
    await expect(waiting).rejects.toThrow('breaker tripped');
    await expect(limiter.acquire('m', 1)).rejects.toThrow('breaker tripped');
  });

  it('lets background attempts through only while no normal one waits, and closes them too', async () => {
    const limiter = new EndpointLimiter(2);
    const order: string[] = [];
    const held: Slot[] = [];
    const take = (name: string, priority?: 'normal' | 'background') => limiter.acquire('m', 1, priority).then((s) => (order.push(name), held.push(s)));
    // A free slot goes to a background attempt when nothing else waits: it fills idle capacity.
    void take('b1', 'background');
    void take('n1');
    await tick();
    expect(order).toEqual(['b1', 'n1']);
    // Both slots busy: two background attempts queue first, then a normal one overtakes them.
    void take('b2', 'background');
    void take('b3', 'background');
    void take('n2');
    await tick();
    expect(limiter.queued).toBe(3);
    limiter.release(held[0]!, 'ok');
    await tick();
    expect(order).toEqual(['b1', 'n1', 'n2']);
    // No normal attempt waits any more: the background ones go in arrival order.
    limiter.release(held[1]!, 'ok');
    limiter.release(held[2]!, 'ok');
    await tick();
    expect(order).toEqual(['b1', 'n1', 'n2', 'b2', 'b3']);
    const waiting = limiter.acquire('m', 1, 'background');
    limiter.close(new Error('run aborted'));
    await expect(waiting).rejects.toThrow('run aborted');
  });

  it('wants work while a slot is free, then until a backlog of an eighth of the limit waits (background attempts not counted)', async () => {
    const limiter = new EndpointLimiter(16);
    expect(limiter.wantsWork()).toBe(true);
    await Promise.all(Array.from({ length: 16 }, () => limiter.acquire('m', 1)));
    // All slots taken, nothing waiting: a slot that frees would idle until new work arrives.
    expect(limiter.wantsWork()).toBe(true);
    const queued = (priority?: 'background') => void limiter.acquire('m', 1, priority).catch(() => undefined);
    queued();
    expect(limiter.wantsWork()).toBe(true);
    queued('background');
    queued('background');
    expect(limiter.wantsWork()).toBe(true);
    queued();
    // Two normal attempts wait (16 / 8): the next freed slot is handed over at once, so no more is asked for.
    expect(limiter.wantsWork()).toBe(false);
    limiter.close(new Error('done'));
  });
});
