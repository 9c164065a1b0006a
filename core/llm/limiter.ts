import { RateGate, type RateLimitInfo, type RateLimitSettings, type SendTicket } from './rate-limit.js';

/** What a finished attempt tells the limiter. */
export type AttemptOutcome = 'ok' | 'overload' | 'other';

/** A slot held by one HTTP attempt; give it back with {@link EndpointLimiter.release}. */
export interface Slot {
  readonly model: string;
  /** When the attempt was let through (ms since the epoch): a decrease counts once per congestion event. */
  readonly startedAt: number;
  readonly ticket: SendTicket;
}

interface Waiter {
  model: string;
  tokens: number;
  resolve: (slot: Slot) => void;
  reject: (reason: unknown) => void;
}

/** Multiplicative decrease on overload: halve, as TCP Reno does (RFC 5681). */
const DECREASE = 0.5;

/**
 * The in-flight limit and rate limits of one endpoint, shared by every client of it.
 *
 * In-flight: additive-increase/multiplicative-decrease (AIMD). The limit starts at `maxConcurrency`
 * (`llm.concurrency`) and never exceeds it; an attempt that ends in a 429 or a timeout halves it (at
 * most once per congestion event: failures of attempts sent before the last decrease do not
 * decrease again), down to 1; each success adds 1/limit, so a full window of successes adds one slot.
 *
 * Rate: one {@link RateGate} per model (hosted APIs limit per model), fed by the `x-ratelimit-*`
 * headers providers return and by `llm.rateLimit`. Waiters are let through in arrival order.
 */
export class EndpointLimiter {
  private current: number;
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private readonly gates = new Map<string, RateGate>();
  private lastDecrease = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private closed: { reason: unknown } | undefined;

  constructor(
    readonly maxConcurrency: number,
    private readonly rateLimit?: RateLimitSettings | null,
    private readonly now: () => number = Date.now,
  ) {
    this.current = maxConcurrency;
  }

  /** The current in-flight limit (an integer between 1 and maxConcurrency). */
  get limit(): number {
    return Math.max(1, Math.floor(this.current));
  }
  /** Attempts in flight. */
  get inFlight(): number {
    return this.active;
  }
  /** Attempts waiting for a slot or for the rate limit. */
  get queued(): number {
    return this.waiters.length;
  }
  /** True when another attempt would be sent at once: a free slot and nobody waiting. */
  hasIdleSlot(): boolean {
    return !this.closed && this.waiters.length === 0 && this.active < this.limit;
  }

  /** The rate gate of `model` (made on first use). */
  gate(model: string): RateGate {
    let g = this.gates.get(model);
    if (!g) this.gates.set(model, (g = new RateGate(this.rateLimit, this.now())));
    return g;
  }

  /**
   * Wait for a slot for one attempt of about `tokens` tokens to `model`.
   * @throws the reason given to {@link close} once closed (queued waiters are rejected with it).
   */
  acquire(model: string, tokens: number): Promise<Slot> {
    if (this.closed) return Promise.reject(this.closed.reason);
    return new Promise<Slot>((resolve, reject) => {
      this.waiters.push({ model, tokens, resolve, reject });
      this.pump();
    });
  }

  /** The attempt holding `slot` ended with `outcome`; `info` is the rate-limit headers it came back with. */
  release(slot: Slot, outcome: AttemptOutcome, info?: RateLimitInfo): void {
    this.active--;
    this.gate(slot.model).observe(info, slot.ticket, this.now());
    if (outcome === 'overload') {
      if (slot.startedAt >= this.lastDecrease) {
        this.current = Math.max(1, this.current * DECREASE);
        this.lastDecrease = this.now();
      }
    } else if (outcome === 'ok') {
      this.current = Math.min(this.maxConcurrency, this.current + 1 / this.current);
    }
    this.pump();
  }

  /** Reject every waiter and every later acquire with `reason` (the breaker tripped, the run was aborted). */
  close(reason: unknown): void {
    if (this.closed) return;
    this.closed = { reason };
    clearTimeout(this.timer);
    for (const w of this.waiters.splice(0)) w.reject(reason);
  }

  private pump(): void {
    if (this.closed) return;
    while (this.waiters.length && this.active < this.limit) {
      const head = this.waiters[0]!;
      const now = this.now();
      const gate = this.gate(head.model);
      const wait = gate.wait(head.tokens, now);
      if (wait > 0) {
        // One timer for the head; the order of arrival is kept (no overtaking by smaller requests).
        if (!this.timer) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.pump();
          }, Math.ceil(wait));
        }
        return;
      }
      this.waiters.shift();
      const ticket = gate.sent(head.tokens, now);
      this.active++;
      head.resolve({ model: head.model, startedAt: now, ticket });
    }
  }
}
