import { RateGate, type RateLimitInfo, type RateLimitSettings, type SendTicket } from './rate-limit.js';
import type { CallPriority } from './types.js';

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

/**
 * Normal attempts kept waiting, as a share of the in-flight limit, once every slot is taken (see
 * {@link EndpointLimiter.wantsWork}). Our choice: handling a reply and building the next request take
 * 2-5 ms of a busy main thread (about 2% of a 200 ms call), so ~2 of 64 slots are in that state at any
 * time; 1/8 covers them with room to spare and adds a few ms of queueing per call. Measured only
 * together with backfeeding's background extraction (the utilisation section of `npm run bench
 * scale`: 0.914 -> 0.923 mean of three runs each on a busy machine); the reply's own wait for the
 * event loop, which a backlog cannot hide, is the larger part of what is left.
 */
const BACKLOG_SHARE = 1 / 8;

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
 * headers providers return and by `llm.rateLimit`. Waiters are let through in arrival order, the
 * `background` ones only once no `normal` one waits.
 */
export class EndpointLimiter {
  private current: number;
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private readonly background: Waiter[] = [];
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
  /** Attempts waiting for a slot or for the rate limit, background ones included. */
  get queued(): number {
    return this.waiters.length + this.background.length;
  }
  /**
   * True when the endpoint should be given more work: a free slot with nothing waiting, or fewer
   * `normal` attempts waiting than the backlog ({@link BACKLOG_SHARE} of the limit). The runner starts
   * more seeds while this holds, so a slot that frees is handed to a waiting attempt at once, in
   * {@link release}, instead of idling while the main thread handles the reply and builds the next
   * request. Background attempts do not count: a normal one would go ahead of them.
   */
  wantsWork(): boolean {
    if (this.closed) return false;
    if (this.active < this.limit) return this.waiters.length === 0;
    return this.waiters.length < Math.max(1, Math.ceil(this.limit * BACKLOG_SHARE));
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
  acquire(model: string, tokens: number, priority: CallPriority = 'normal'): Promise<Slot> {
    if (this.closed) return Promise.reject(this.closed.reason);
    return new Promise<Slot>((resolve, reject) => {
      (priority === 'background' ? this.background : this.waiters).push({ model, tokens, resolve, reject });
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
    for (const w of [...this.waiters.splice(0), ...this.background.splice(0)]) w.reject(reason);
  }

  private pump(): void {
    if (this.closed) return;
    for (;;) {
      const queue = this.waiters.length ? this.waiters : this.background;
      if (!queue.length || this.active >= this.limit) return;
      const head = queue[0]!;
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
      queue.shift();
      const ticket = gate.sent(head.tokens, now);
      this.active++;
      head.resolve({ model: head.model, startedAt: now, ticket });
    }
  }
}
