import type { Redis } from 'ioredis';
import type { UsageTotals } from '../../core/llm/types.js';
import { KEY_PREFIX } from './connection.js';
import type { JobScope } from './job-scope.js';

/** How long an attempt's usage waits for a coordinator to collect it, in seconds (as uncollected job results); our choice: one day. */
const KEEP_SECONDS = 86_400;

/** The Redis hash of a job's attempts in progress: field = the attempt's {@link JobScope.token}, value = its usage so far as JSON. */
export function attemptsKey(runId: string, jobId: string): string {
  return `${KEY_PREFIX}run:${runId}:attempts:${jobId}`;
}

/**
 * Keep job attempt `scope`'s usage so far in Redis while it runs, so the endpoint calls of an attempt
 * whose worker is killed are still counted: the attempt that completes carries its own usage in the
 * job's result and removes its entry (`finish`); what is left when the coordinator collects the job
 * belongs to attempts that died ({@link collectAbandoned}). The entry is rewritten after each usage
 * event (in a microtask, so before the HTTP request of a call is written: a call the endpoint
 * received is known), coalesced when several come at once.
 * @returns `finish`, to call before the job returns its result
 */
export function trackAttempt(redis: Redis, runId: string, jobId: string, scope: JobScope): { finish: () => Promise<void> } {
  const key = attemptsKey(runId, jobId);
  let last = '{}';
  let scheduled = false;
  let done = false;
  const flush = () => {
    scheduled = false;
    const now = JSON.stringify(scope.usage());
    if (done || now === last) return;
    last = now;
    redis
      .multi()
      .hset(key, scope.token, now)
      .expire(key, KEEP_SECONDS)
      .exec()
      .catch(() => undefined); // unknown calls at worst: the attempt's own result still carries them if it completes
  };
  scope.onActivity = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(flush);
  };
  return {
    async finish() {
      done = true;
      scope.onActivity = undefined;
      if (last !== '{}') await redis.hdel(key, scope.token).catch(() => undefined);
    },
  };
}

/**
 * The usage of job `jobId`'s attempts that never completed (their workers died), removed from Redis:
 * only what the endpoint received and sent (`calls`, tokens); their cache hits and shared replies are
 * not counted, the attempt that completed the seed having asked for the same replies again.
 */
export async function collectAbandoned(redis: Redis, runId: string, jobId: string): Promise<Record<string, UsageTotals>> {
  const key = attemptsKey(runId, jobId);
  const [[, fields]] = (await redis.multi().hgetall(key).del(key).exec()) as [[Error | null, Record<string, string>]];
  const out: Record<string, UsageTotals> = {};
  for (const text of Object.values(fields ?? {})) {
    let usage: Record<string, UsageTotals>;
    try {
      usage = JSON.parse(text) as Record<string, UsageTotals>;
    } catch {
      continue; // not ours to read; nothing is known of that attempt
    }
    for (const [id, u] of Object.entries(usage)) {
      const t = (out[id] ??= { calls: 0, cachedCalls: 0, sharedCalls: 0, promptTokens: 0, completionTokens: 0 });
      t.calls += u.calls;
      t.promptTokens += u.promptTokens;
      t.completionTokens += u.completionTokens;
    }
  }
  return out;
}
