import type { LlmError } from './types.js';

/**
 * One per endpoint, shared by every client of it: once a call to the endpoint fails fatally
 * (unreachable, rejected key, retries exhausted), the breaker trips, and every other call to it,
 * waiting in a backoff, queued behind the concurrency limit or in flight, ends at once with that
 * same error instead of spending its own attempts (up to minutes of backoff each) against an
 * endpoint already known to be down. The run stops on the first such error anyway; this makes the
 * stop prompt. A breaker never resets: the next run starts with a fresh one.
 */
export class EndpointBreaker {
  private readonly controller = new AbortController();

  /** Aborted, with the tripping error as reason, once {@link trip} was called. */
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
}
