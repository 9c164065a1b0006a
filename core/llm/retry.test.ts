import { describe, expect, it } from 'vitest';
import { backoffDelay, withRetry } from './retry.js';
import { LlmError } from './types.js';

const S = { maxAttempts: 5, backoffBaseMs: 100, backoffMaxMs: 1_000 };

describe('backoffDelay', () => {
  it('is full jitter over an exponentially growing, capped ceiling', () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, S, undefined, () => 0.999999))).toEqual([100, 200, 400, 800, 1000, 1000].map((x) => x * 0.999999));
    expect(backoffDelay(3, S, undefined, () => 0)).toBe(0);
    expect(backoffDelay(2, S, undefined, () => 0.5)).toBe(200);
  });

  it('waits at least retry-after, even above the cap', () => {
    expect(backoffDelay(0, S, 300, () => 0.5)).toBe(300);
    expect(backoffDelay(4, S, 5_000, () => 1)).toBe(5_000);
    expect(backoffDelay(4, S, 10, () => 0.5)).toBe(500);
  });
});

describe('withRetry', () => {
  const noSleep = async () => {};

  it('retries retryable kinds until success, passing the computed waits to sleep', async () => {
    const kinds = ['rate_limit', 'server', 'timeout', 'connection'] as const;
    const waits: number[] = [];
    let n = 0;
    const out = await withRetry(
      async (attempt) => {
        expect(attempt).toBe(n);
        if (n < kinds.length) throw new LlmError(kinds[n++]!, 'x', { retryAfterMs: n === 1 ? 250 : undefined });
        return 'done';
      },
      S,
      { sleep: async (ms) => void waits.push(ms), random: () => 1 },
    );
    expect(out).toBe('done');
    expect(waits).toEqual([250, 200, 400, 800]);
  });

  it('fails immediately on fatal kinds, invalid_output and foreign errors', async () => {
    for (const err of [new LlmError('auth', 'a'), new LlmError('unreachable', 'u'), new LlmError('not_found', 'n'), new LlmError('bad_request', 'b'), new LlmError('invalid_output', 'i'), new TypeError('bug')]) {
      let calls = 0;
      await expect(
        withRetry(
          async () => {
            calls++;
            throw err;
          },
          S,
          { sleep: noSleep },
        ),
      ).rejects.toBe(err);
      expect(calls).toBe(1);
    }
  });

  it('stops after maxAttempts with a fatal endpoint_unavailable naming the last failure and the attempt count', async () => {
    let calls = 0;
    const err = await withRetry(
      async () => {
        calls++;
        throw new LlmError('server', 'HTTP 503', { status: 503 });
      },
      S,
      { sleep: noSleep },
    ).catch((e: unknown) => e as LlmError);
    expect(calls).toBe(5);
    expect(err).toMatchObject({ kind: 'endpoint_unavailable', fatal: true, status: 503, cause: { kind: 'server' } });
    expect((err as Error).message).toContain('HTTP 503');
    expect((err as Error).message).toContain('after 5 attempts');
  });

  it('stops waiting when the signal aborts', async () => {
    const ac = new AbortController();
    const p = withRetry(async () => {
      throw new LlmError('rate_limit', 'slow down', { retryAfterMs: 60_000 });
    }, S, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('interrupted')), 10);
    await expect(p).rejects.toThrow('interrupted');
  });
});
