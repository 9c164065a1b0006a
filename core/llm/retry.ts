import { LlmError, type LlmSettings } from './types.js';

/** What the retry loop needs from LlmSettings. */
export type RetrySettings = Pick<LlmSettings, 'maxAttempts' | 'backoffBaseMs' | 'backoffMaxMs'>;

/**
 * The wait before retry number `attempt` (0 = the wait after the first failure), in milliseconds:
 * "full jitter" (Brooks, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015):
 * `random() * min(cap, base * 2^attempt)`, then at least the server's `retry-after` when it sent one.
 * A server's `retry-after` is honoured even above the cap: it knows when its window reopens.
 */
export function backoffDelay(attempt: number, settings: RetrySettings, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** attempt);
  const jittered = random() * ceiling;
  return retryAfterMs !== undefined && retryAfterMs > jittered ? retryAfterMs : jittered;
}

export interface RetryHooks {
  signal?: AbortSignal;
  /** Told about each failure that will be retried (for logging/progress). */
  onRetry?: (error: LlmError, attempt: number, delayMs: number) => void;
  /** Injected for tests; defaults to a timer that the signal cancels. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/**
 * Run `fn` until it succeeds, retrying retryable {@link LlmError}s (rate_limit, server, timeout,
 * connection) up to `settings.maxAttempts` attempts in all. Fatal kinds, `invalid_output` (handled by
 * the structured-call loop, which changes the seed) and non-LlmError exceptions are rethrown at once.
 * @param fn receives the 0-based attempt number.
 * @throws LlmError `endpoint_unavailable` (fatal) when attempts run out: its message is the last
 *   failure's plus "gave up after N attempts", its `cause` the last failure; or the signal's reason when aborted.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, settings: RetrySettings, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? abortableSleep;
  for (let attempt = 0; ; attempt++) {
    hooks.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (!(err instanceof LlmError) || !err.retryable || err.kind === 'invalid_output') throw err;
      if (hooks.signal?.aborted) throw hooks.signal.reason;
      if (attempt + 1 >= settings.maxAttempts) throw exhausted(err, attempt + 1);
      const wait = backoffDelay(attempt, settings, err.retryAfterMs, hooks.random);
      hooks.onRetry?.(err, attempt, wait);
      await sleep(wait, hooks.signal);
    }
  }
}

/**
 * A failure that outlasted every attempt says the endpoint is down or overloaded, not that the sample
 * is bad: it becomes fatal, so the run stops with its checkpoint instead of dropping seed after seed.
 */
function exhausted(err: LlmError, attempts: number): LlmError {
  return new LlmError('endpoint_unavailable', `${err.message} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'})`, {
    status: err.status,
    retryAfterMs: err.retryAfterMs,
    hint: err.hint ?? 'fix or unload the server, then run the same command to resume; raise llm.maxAttempts or lower llm.concurrency if it is only overloaded',
    cause: err,
  });
}

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
