import { LlmError } from './types.js';

/**
 * One per endpoint, shared by every client of it. It trips (1) on the first fatal failure
 * (unreachable, rejected key, retries exhausted), or (2) when the endpoint has kept failing with
 * retryable overload errors (429, 5xx) for `breakerMs` with no success in between. Once tripped,
 * every other call to the endpoint, waiting in a backoff, queued for a slot or in flight, ends at
 * once with the tripping error (fatal: the run stops with its checkpoint, exit code 75) instead of
 * spending its own attempts against an endpoint known to be down, or stalling under sustained 429s.
 * A breaker never resets: the next run starts with a fresh one.
 */
export class EndpointBreaker {
  private readonly controller = new AbortController();
  private failingSince: number | undefined;
  private failures = 0;
  private statuses = new Set<string>();

  /**
   * @param endpoint for the message (no credentials).
   * @param breakerMs how long failures must persist before tripping (`llm.breakerSeconds` x 1000); Infinity: never on time.
   */
  constructor(
    private readonly endpoint = 'the endpoint',
    private readonly breakerMs = Infinity,
    private readonly now: () => number = Date.now,
  ) {}

  /** Aborted, with the tripping error as reason, once tripped. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The error that tripped the breaker, if any. */
  get error(): LlmError | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as LlmError) : undefined;
  }

  /** Trip on `error` (the first trip wins; later ones are ignored). */
  trip(error: LlmError): void {
    if (!this.controller.signal.aborted) this.controller.abort(error);
  }

  /** An attempt succeeded: the endpoint is not down. */
  success(): void {
    this.failingSince = undefined;
    this.failures = 0;
    this.statuses.clear();
  }

  /** An attempt failed with a retryable overload error (rate_limit, server); may trip the breaker. */
  failure(error: LlmError): void {
    const now = this.now();
    this.failingSince ??= now;
    this.failures++;
    this.statuses.add(error.status !== undefined ? `HTTP ${error.status}` : error.kind);
    const seconds = (now - this.failingSince) / 1000;
    if (now - this.failingSince < this.breakerMs) return;
    this.trip(
      new LlmError('endpoint_unavailable', `${this.endpoint} has answered only errors (${[...this.statuses].join(', ')}) for ${seconds.toFixed(0)} s: ${this.failures} failed attempts and no success; last: ${error.message}`, {
        status: error.status,
        hint: 'the run stopped with its checkpoint; run the same command again to resume once the endpoint recovers (lower llm.concurrency or set llm.rateLimit for a rate-limited key; raise llm.breakerSeconds to wait longer)',
        cause: error,
      }),
    );
  }
}
