/**
 * Combine abort signals into one, with explicit cleanup. `AbortSignal.any` keeps every combined
 * signal registered on its inputs until they abort or are collected, which leaks when one input is
 * the run's long-lived signal and millions of calls combine with it (nodejs/node#55351, #54614).
 * Here the listeners are removed by `dispose()`, which callers run when the call finishes.
 */
export interface LinkedSignal {
  signal: AbortSignal;
  /** Abort the combined signal with `reason` (e.g. a timeout). */
  abort(reason?: unknown): void;
  /** Detach from the inputs. Call in `finally`. */
  dispose(): void;
}

/** A signal that aborts when any of `inputs` aborts (undefined inputs are ignored), or on `abort()`. */
export function linkSignals(...inputs: Array<AbortSignal | undefined>): LinkedSignal {
  const controller = new AbortController();
  const detach: Array<() => void> = [];
  for (const input of inputs) {
    if (!input) continue;
    if (input.aborted) {
      controller.abort(input.reason);
      break;
    }
    const onAbort = () => controller.abort(input.reason);
    input.addEventListener('abort', onAbort, { once: true });
    detach.push(() => input.removeEventListener('abort', onAbort));
  }
  return {
    signal: controller.signal,
    abort: (reason?: unknown) => controller.abort(reason),
    dispose: () => {
      for (const d of detach) d();
      detach.length = 0;
    },
  };
}
