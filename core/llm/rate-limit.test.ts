import { describe, expect, it } from 'vitest';
import { parseDurationMs, RateGate, rateLimitFromHeaders } from './rate-limit.js';

describe('rateLimitFromHeaders', () => {
  it("reads OpenAI's x-ratelimit-* headers, durations included", () => {
    const h = new Headers({
      'x-ratelimit-limit-requests': '500',
      'x-ratelimit-remaining-requests': '499',
      'x-ratelimit-reset-requests': '120ms',
      'x-ratelimit-limit-tokens': '30000',
      'x-ratelimit-remaining-tokens': '29000',
      'x-ratelimit-reset-tokens': '6m0s',
    });
    expect(rateLimitFromHeaders(h)).toEqual({ limitRequests: 500, remainingRequests: 499, resetRequestsMs: 120, limitTokens: 30000, remainingTokens: 29000, resetTokensMs: 360_000 });
  });

  it('takes a plain record, keeps only what is present, and gives undefined when nothing is', () => {
    expect(rateLimitFromHeaders({ 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-reset-requests': '1.5s' })).toEqual({ remainingRequests: 3, resetRequestsMs: 1500 });
    expect(rateLimitFromHeaders({ 'content-type': 'application/json' })).toBeUndefined();
    expect(rateLimitFromHeaders(undefined)).toBeUndefined();
  });

  it('parses Go-style durations and bare seconds; rejects garbage', () => {
    expect(parseDurationMs('1h2m3s')).toBe(3_723_000);
    expect(parseDurationMs('2.5')).toBe(2500);
    expect(parseDurationMs('0s')).toBe(0);
    expect(parseDurationMs('soon')).toBeUndefined();
  });
});

describe('RateGate', () => {
  it('spends the budget the server stated, waits for its reset once it is used up, then assumes a full window', () => {
    const gate = new RateGate(null, 0);
    expect(gate.wait(10, 0)).toBe(0);
    const first = gate.sent(10, 0);
    gate.observe({ limitRequests: 5, remainingRequests: 2, resetRequestsMs: 800 }, first, 100);
    expect(gate.learned.requests).toBe(5);
    gate.sent(10, 100);
    expect(gate.wait(10, 110)).toBe(0);
    gate.sent(10, 110);
    expect(gate.wait(10, 120)).toBe(780); // the window resets at 900
    // The next window holds the stated limit again (5), lasting as long as the longest reset seen.
    for (let i = 0; i < 5; i++) {
      expect(gate.wait(1, 900)).toBe(0);
      gate.sent(1, 900);
    }
    expect(gate.wait(1, 900)).toBe(800);
  });

  it("subtracts the requests sent after the one a reply answers, and ignores a reply older than the one it holds", () => {
    const gate = new RateGate(null, 0);
    const [a, b, c] = [gate.sent(1, 0), gate.sent(1, 0), gate.sent(1, 0)];
    gate.observe({ remainingRequests: 3, resetRequestsMs: 500 }, a, 10); // b and c were not counted yet: 1 left
    expect(gate.wait(1, 10)).toBe(0);
    gate.sent(1, 10);
    expect(gate.wait(1, 11)).toBe(499);
    gate.observe({ remainingRequests: 0, resetRequestsMs: 600 }, c, 20);
    gate.observe({ remainingRequests: 9, resetRequestsMs: 600 }, b, 21); // older news than c's: ignored
    expect(gate.wait(1, 30)).toBe(590);
  });

  it('waits for the token budget when a request would not fit', () => {
    const gate = new RateGate(null, 0);
    gate.observe({ remainingTokens: 100, resetTokensMs: 2000 }, gate.sent(10, 0), 0);
    expect(gate.wait(50, 0)).toBe(0);
    expect(gate.wait(150, 0)).toBe(2000);
  });

  it('paces configured requests per minute at one second of burst', () => {
    const gate = new RateGate({ requestsPerMinute: 120 }, 0); // 2 per second
    for (let i = 0; i < 2; i++) {
      expect(gate.wait(1, 0)).toBe(0);
      gate.sent(1, 0);
    }
    expect(gate.wait(1, 0)).toBeCloseTo(500);
    expect(gate.wait(1, 500)).toBeCloseTo(0);
  });

  it('lets a request bigger than the configured token bucket through once the bucket is full', () => {
    const gate = new RateGate({ tokensPerMinute: 6000 }, 0); // 100 per second, bucket of 100
    gate.sent(5000, 0);
    expect(gate.wait(5000, 0)).toBeGreaterThan(0);
    expect(gate.wait(5000, 60_000)).toBe(0);
  });
});
