import { describe, expect, it } from 'vitest';
import { EndpointBreaker } from './breaker.js';
import { LlmError } from './types.js';

const limited = () => new LlmError('rate_limit', 'openai at http://x/v1 is rate limiting (HTTP 429)', { status: 429 });

describe('EndpointBreaker', () => {
  it('trips once failures have lasted breakerMs with no success, with a fatal error saying why and how to resume', () => {
    let now = 0;
    const breaker = new EndpointBreaker('http://x/v1', 10_000, () => now);
    breaker.failure(limited());
    now = 9_999;
    breaker.failure(limited());
    expect(breaker.signal.aborted).toBe(false);
    now = 10_000;
    breaker.failure(limited());
    const err = breaker.error!;
    expect(err.kind).toBe('endpoint_unavailable');
    expect(err.fatal).toBe(true);
    expect(err.message).toMatch(/http:\/\/x\/v1 has answered only errors \(HTTP 429\) for 10 s: 3 failed attempts/);
    expect(err.hint).toMatch(/run the same command again to resume/);
  });

  it('a success in between restarts the clock', () => {
    let now = 0;
    const breaker = new EndpointBreaker('http://x/v1', 10_000, () => now);
    breaker.failure(limited());
    now = 8_000;
    breaker.success();
    now = 12_000;
    breaker.failure(limited());
    now = 21_000;
    breaker.failure(limited());
    expect(breaker.signal.aborted).toBe(false);
    now = 22_000;
    breaker.failure(limited());
    expect(breaker.signal.aborted).toBe(true);
  });

  it('the first trip wins', () => {
    const breaker = new EndpointBreaker();
    const first = new LlmError('auth', 'rejected key');
    breaker.trip(first);
    breaker.trip(new LlmError('unreachable', 'later'));
    expect(breaker.error).toBe(first);
  });
});
