/**
 * Rate limits of one (endpoint, model): what the server says in its `x-ratelimit-*` headers
 * (OpenAI's names, which vLLM-compatible gateways such as LiteLLM and most hosted APIs also send),
 * and what the config sets (`llm.rateLimit`). {@link RateGate} turns both into "wait this long before
 * sending the next request".
 */

/** What a provider read from one response's `x-ratelimit-*` headers. Absent fields were not sent. */
export interface RateLimitInfo {
  /** `x-ratelimit-limit-requests`: requests allowed per window (the window is the server's). */
  limitRequests?: number;
  /** `x-ratelimit-remaining-requests`: requests left in the current window. */
  remainingRequests?: number;
  /** `x-ratelimit-reset-requests`: time until the request window is full again, in ms. */
  resetRequestsMs?: number;
  limitTokens?: number;
  remainingTokens?: number;
  resetTokensMs?: number;
}

/** `llm.rateLimit`: limits set by the user, per (endpoint, model). */
export interface RateLimitSettings {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

type HeaderBag = Headers | Record<string, string | string[] | undefined> | undefined;

/**
 * Read the `x-ratelimit-*` headers of a response (OpenAI, "Rate limits" guide: limit, remaining and
 * reset for requests and for tokens; resets are durations like `1s`, `6m0s`, `20ms`).
 * @returns undefined when none of them is present or parsable.
 */
export function rateLimitFromHeaders(headers: HeaderBag): RateLimitInfo | undefined {
  if (!headers) return undefined;
  const get = (name: string): string | undefined => {
    if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
    const v = (headers as Record<string, string | string[] | undefined>)[name];
    return Array.isArray(v) ? v[0] : v;
  };
  // Read on every reply: one pass over the six names, no intermediate objects (issue #15's CPU budget).
  let info: RateLimitInfo | undefined;
  for (const [field, name, isDuration] of RATE_LIMIT_HEADERS) {
    const raw = get(name);
    if (raw === undefined) continue;
    let value: number | undefined;
    if (isDuration) value = parseDurationMs(raw);
    else {
      const n = Number.parseFloat(raw);
      value = Number.isFinite(n) && n >= 0 ? n : undefined;
    }
    if (value !== undefined) (info ??= {})[field] = value;
  }
  return info;
}

/** The `x-ratelimit-*` headers read, each with its field and whether it is a duration, in RateLimitInfo's order. */
const RATE_LIMIT_HEADERS: ReadonlyArray<readonly [keyof RateLimitInfo, string, boolean]> = [
  ['limitRequests', 'x-ratelimit-limit-requests', false],
  ['remainingRequests', 'x-ratelimit-remaining-requests', false],
  ['resetRequestsMs', 'x-ratelimit-reset-requests', true],
  ['limitTokens', 'x-ratelimit-limit-tokens', false],
  ['remainingTokens', 'x-ratelimit-remaining-tokens', false],
  ['resetTokensMs', 'x-ratelimit-reset-tokens', true],
];

/**
 * A Go-style duration (`1h2m3.5s`, `250ms`, `0s`) or a bare number of seconds, in ms.
 * @returns undefined when `raw` is neither.
 */
export function parseDurationMs(raw: string | undefined): number | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number.parseFloat(text) * 1000;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  let rest = text;
  while (rest.length) {
    const m = /^(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/.exec(rest);
    if (!m) return undefined;
    total += Number.parseFloat(m[1]!) * unit[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** The server's view of one budget (requests or tokens): what is left until `resetAt`. */
interface Window {
  remaining: number;
  resetAt: number;
  /** The send number of the reply it came from: a reply to an older request carries older news. */
  seq: number;
}

/** What {@link RateGate.sent} hands out, to give back with the reply's headers. */
export interface SendTicket {
  /** 1-based number of this request among those sent through the gate. */
  seq: number;
  /** Tokens sent through the gate up to and including this request. */
  tokensUpTo: number;
}

/** A token bucket for a configured per-minute limit; holds at most one second's worth (no big bursts). */
class Bucket {
  private level: number;
  private at: number;
  private readonly perMs: number;
  private readonly capacity: number;
  constructor(perMinute: number, now: number) {
    this.perMs = perMinute / 60_000;
    // One second's worth, at least one request: our choice (a burst of a full minute's quota at start trips servers).
    this.capacity = Math.max(1, perMinute / 60);
    this.level = this.capacity;
    this.at = now;
  }
  private refill(now: number): void {
    this.level = Math.min(this.capacity, this.level + (now - this.at) * this.perMs);
    this.at = now;
  }
  /** ms until `amount` can be taken (a request larger than the bucket waits for a full bucket). */
  wait(amount: number, now: number): number {
    this.refill(now);
    const need = Math.min(amount, this.capacity);
    return this.level >= need ? 0 : (need - this.level) / this.perMs;
  }
  take(amount: number, now: number): void {
    this.refill(now);
    this.level -= amount;
  }
}

/**
 * One budget learned from headers. A reply's `remaining` is the server's count when it answered; the
 * requests sent after the one it answers were (mostly) not in it yet, so they are subtracted. When
 * the window resets, the next one is assumed to hold the server's stated limit again and to last as
 * long as the longest reset seen, until a reply says otherwise: without that, every window would open
 * with a burst of up to `llm.concurrency` requests.
 */
class Budget {
  private window?: Window;
  private limit?: number;
  private windowMs = 0;

  wait(amount: number, now: number): number {
    const w = this.live(now);
    return w && w.remaining < amount ? w.resetAt - now : 0;
  }
  spend(amount: number, now: number): void {
    const w = this.live(now);
    if (w) w.remaining -= amount;
  }
  /** @param sentAfter what was sent through the gate after the request this reply answers. */
  observe(limit: number | undefined, remaining: number | undefined, resetMs: number | undefined, seq: number, sentAfter: number, now: number): void {
    if (limit !== undefined) this.limit = limit;
    if (remaining === undefined || resetMs === undefined || resetMs <= 0) return;
    this.windowMs = Math.max(this.windowMs, resetMs);
    const current = this.live(now);
    if (current && seq < current.seq) return; // older news than what we hold
    this.window = { remaining: remaining - sentAfter, resetAt: now + resetMs, seq };
  }
  private live(now: number): Window | undefined {
    const w = this.window;
    if (!w) return undefined;
    if (now < w.resetAt) return w;
    if (this.limit === undefined || this.windowMs === 0) return (this.window = undefined);
    // Roll over to the next window (as many as have passed), full again.
    const passed = Math.ceil((now - w.resetAt + 1) / this.windowMs);
    this.window = { remaining: this.limit, resetAt: w.resetAt + passed * this.windowMs, seq: w.seq };
    return this.window;
  }
}

/**
 * The rate limits of one (endpoint, model). Ask {@link wait} before sending (0 = send now), call
 * {@link sent} when sending, and {@link observe} with every reply's headers (errors' too) and the
 * ticket of the request it answers. Learned limits ({@link Budget}): no request is sent once the
 * server's remaining budget is spent, until its window resets. Configured limits: token buckets.
 */
export class RateGate {
  private readonly requests = new Budget();
  private readonly tokens = new Budget();
  private readonly requestBucket?: Bucket;
  private readonly tokenBucket?: Bucket;
  private seq = 0;
  private tokensSent = 0;
  /** The server's last stated limits (for run.json and the progress display). */
  learned: { requests?: number; tokens?: number } = {};

  constructor(settings: RateLimitSettings | null | undefined, now = Date.now()) {
    if (settings?.requestsPerMinute) this.requestBucket = new Bucket(settings.requestsPerMinute, now);
    if (settings?.tokensPerMinute) this.tokenBucket = new Bucket(settings.tokensPerMinute, now);
  }

  /** ms to wait before sending a request of about `tokens` tokens (prompt plus expected reply). */
  wait(tokens: number, now = Date.now()): number {
    return Math.max(this.requestBucket?.wait(1, now) ?? 0, this.tokenBucket?.wait(tokens, now) ?? 0, this.requests.wait(1, now), this.tokens.wait(tokens, now));
  }

  /** A request of about `tokens` tokens is being sent now. */
  sent(tokens: number, now = Date.now()): SendTicket {
    this.requestBucket?.take(1, now);
    this.tokenBucket?.take(tokens, now);
    this.requests.spend(1, now);
    this.tokens.spend(tokens, now);
    this.tokensSent += tokens;
    return { seq: ++this.seq, tokensUpTo: this.tokensSent };
  }

  /** The reply to the request of `ticket` arrived carrying `info` (from a success or a 429). */
  observe(info: RateLimitInfo | undefined, ticket: SendTicket, now = Date.now()): void {
    if (!info) return;
    if (info.limitRequests !== undefined) this.learned.requests = info.limitRequests;
    if (info.limitTokens !== undefined) this.learned.tokens = info.limitTokens;
    this.requests.observe(info.limitRequests, info.remainingRequests, info.resetRequestsMs, ticket.seq, this.seq - ticket.seq, now);
    this.tokens.observe(info.limitTokens, info.remainingTokens, info.resetTokensMs, ticket.seq, this.tokensSent - ticket.tokensUpTo, now);
  }
}
