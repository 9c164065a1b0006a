import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { UsageTotals } from '../../core/llm/types.js';
import { UsageMeter } from '../../core/llm/usage.js';

/**
 * One job being processed on a worker: its own usage meter (the run's meter, shared by the worker's
 * concurrent jobs, tees into it through {@link currentJob}) and its identity as the holder of claims on
 * the shared Redis cache (redis-cache.ts). Found from any code the job runs through AsyncLocalStorage,
 * which follows the job's awaits, so an LLM call is counted for the job that made it.
 */
export class JobScope {
  /** The value of the claims this job holds: unique per job attempt, naming the worker for humans. */
  readonly token = `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
  readonly meter = new UsageMeter();
  /** Replies this job obtained by waiting for another job's identical call, per model id. */
  private readonly sharedByPeer = new Map<string, number>();

  /**
   * @param maxHoldMs the longest this job keeps renewing a claim: past it the claim lapses and a waiter
   *   calls itself (a call that failed without a reply never releases its claim before the job ends)
   */
  constructor(readonly maxHoldMs: number) {}

  /** Told (synchronously, before the event is counted) of every usage event of this job: see {@link countFor}. */
  onActivity?: () => void;

  /** A reply for `modelId` came from an identical call of another job (the client counts it as a cache hit). */
  sharedFromPeer(modelId: string): void {
    this.sharedByPeer.set(modelId, (this.sharedByPeer.get(modelId) ?? 0) + 1);
  }

  /**
   * The job's usage per model id: what its calls sent and obtained, with the replies obtained from
   * another job's call in flight moved from `cachedCalls` to `sharedCalls`, as the in-process
   * single-flight counts them.
   */
  usage(): Record<string, UsageTotals> {
    const out = this.meter.byModel();
    for (const [id, n] of this.sharedByPeer) {
      const t = out[id];
      if (!t) continue;
      const moved = Math.min(n, t.cachedCalls);
      t.cachedCalls -= moved;
      t.sharedCalls = (t.sharedCalls ?? 0) + moved;
    }
    return out;
  }
}

const storage = new AsyncLocalStorage<JobScope>();

/** Run `fn` as job `scope`: its LLM calls, however deep, see it as {@link currentJob}. */
export function inJob<T>(scope: JobScope, fn: () => Promise<T>): Promise<T> {
  return storage.run(scope, fn);
}

/** The job the calling code runs for, or undefined outside any job (a plugin's runStart). */
export function currentJob(): JobScope | undefined {
  return storage.getStore();
}

/** The sink of a run's meter on a worker (UsageMeter.teeTo): the calling job's meter, its activity reported. */
export function countFor(): UsageMeter | undefined {
  const scope = storage.getStore();
  scope?.onActivity?.();
  return scope?.meter;
}
