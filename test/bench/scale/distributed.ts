/**
 * Distributed runs (issue #15): the infinite-instruct preset over HumanEval with the scripted model
 * behind the HTTP test double at a fixed latency, through `run --queue` with one worker, then with
 * two, on this machine, back to back in one process. Each worker is allowed `llm.concurrency: 4`
 * calls in flight (its own limiter) and static verification is off (the pipeline's shape, not
 * pylint's CPU). Printed: throughput (endpoint calls per second between the first and the last
 * request the double saw, process start-up left out) and the 2/1 ratio; whether the two datasets are
 * the same bytes (samples.jsonl, rejected.jsonl); the endpoint's calls in each and run.json's count
 * of them (calls, cache hits, replies shared with an identical call in flight). `QUEUE_SEEDS` sets
 * the seeds (default 40). Needs redis-server on PATH. On one machine the workers also share its CPUs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { UsageTotals } from '../../../core/llm/types.js';
import { scriptedModel } from '../../../plugins/providers/mock/scripted.js';
import { startLlmDouble, type LlmDouble } from '../../double/index.js';
import { HUMANEVAL, tempDir } from '../../e2e/helpers.js';
import { cli, stop, worker } from '../../e2e/queue-procs.js';
import { hasRedisServer, startRedis, type TestRedis } from '../../e2e/redis.js';

/** A slow endpoint, so throughput is set by the call slots, not by this machine's CPU; our choice. */
export const LATENCY_MS = 300;
/** Calls in flight per worker (`llm.concurrency`); our choice. */
export const CALLS_PER_WORKER = 4;
const MODEL = 'openai:scripted-coder';

/** One queued run's figures. */
export interface QueuedRun {
  workers: number;
  seeds: number;
  /** Requests the endpoint received. */
  endpointCalls: number;
  /** Seconds between the endpoint's first and last request. */
  spanSeconds: number;
  /** endpointCalls / spanSeconds. */
  callsPerSecond: number;
  /** run.json `usage` of the model. */
  usage: UsageTotals;
  /** samples.jsonl and rejected.jsonl, concatenated. */
  dataset: string;
}

/**
 * A coordinator and `workers` workers over an empty shared cache (every call goes to the endpoint),
 * against `double` (reset here) and `redis` (flushed here).
 * @throws Error with the coordinator's stderr when it does not exit 0
 */
export async function queuedRun(double: LlmDouble, redis: TestRedis, workers: number, seeds: number): Promise<QueuedRun> {
  const client = new Redis(redis.url);
  await client.flushall();
  client.disconnect();
  double.reset();
  double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
  const dir = tempDir('queue-bench');
  const config = join(dir, 'instructsmith.config.json');
  writeFileSync(config, JSON.stringify({ llm: { concurrency: CALLS_PER_WORKER }, plugins: { 'analyzer:python': false }, verify: { unhandled: 'skip' } }));
  const procs = await Promise.all(Array.from({ length: workers }, () => worker(redis.url, ['--concurrency', String(4 * CALLS_PER_WORKER)])));
  const out = join(dir, 'run');
  const coordinator = cli(['run', '--preset', 'infinite-instruct', '--seeds', HUMANEVAL, '--model', MODEL, '--base-url', double.url, '--out', out, '--limit', String(seeds), '--concurrency', '8', '--max-concurrency', '64', '--config', config, '--queue', redis.url]);
  const code = await coordinator.exited;
  await Promise.all(procs.map(stop));
  if (code !== 0) throw new Error(`coordinator exited ${code}:\n${coordinator.stderr()}`);
  const chat = double.chatRequests();
  const spanSeconds = (chat.at(-1)!.at - chat[0]!.at) / 1000;
  const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { usage: Record<string, UsageTotals> };
  return {
    workers,
    seeds,
    endpointCalls: chat.length,
    spanSeconds,
    callsPerSecond: chat.length / spanSeconds,
    usage: runJson.usage[MODEL] ?? { calls: 0, cachedCalls: 0, sharedCalls: 0, promptTokens: 0, completionTokens: 0 },
    dataset: readFileSync(join(out, 'samples.jsonl'), 'utf8') + readFileSync(join(out, 'rejected.jsonl'), 'utf8'),
  };
}

/** The distributed figure: 1 worker vs 2 on this machine. */
/** Returns the 2-worker / 1-worker throughput ratio and whether the datasets were identical (undefined without redis-server). */
export async function distributed(log: (line: string) => void): Promise<{ ratio: number; identical: boolean } | undefined> {
  if (!hasRedisServer()) {
    log('distributed: skipped: redis-server is not installed');
    return undefined;
  }
  const seeds = Number(process.env.QUEUE_SEEDS ?? 40);
  const [double, redis] = await Promise.all([startLlmDouble({ latencyMs: LATENCY_MS }), startRedis()]);
  try {
    const runs: QueuedRun[] = [];
    for (const workers of [1, 2]) {
      const r = await queuedRun(double, redis, workers, seeds);
      runs.push(r);
      const u = r.usage;
      log(
        `${workers} worker${workers > 1 ? 's' : ' '}: ${seeds} seeds, ${r.endpointCalls} endpoint calls in ${r.spanSeconds.toFixed(1)} s: ${r.callsPerSecond.toFixed(1)} calls/s ` +
          `(ceiling ${((workers * CALLS_PER_WORKER * 1000) / LATENCY_MS).toFixed(1)}); run.json: ${u.calls} calls, ${u.cachedCalls} cached, ${u.sharedCalls ?? 0} shared`,
      );
    }
    const [one, two] = runs as [QueuedRun, QueuedRun];
    log(`2 workers / 1 worker throughput: ${(two.callsPerSecond / one.callsPerSecond).toFixed(2)}x (ideal 2.00x)`);
    log(`datasets identical (samples.jsonl + rejected.jsonl bytes): ${one.dataset === two.dataset ? 'yes' : 'NO'} (${one.dataset.length} bytes)`);
    log(`endpoint calls 2 workers / 1 worker: ${(two.endpointCalls / one.endpointCalls).toFixed(2)}x (${two.endpointCalls} / ${one.endpointCalls}); run.json calls = endpoint calls: ${runs.every((r) => r.usage.calls === r.endpointCalls) ? 'yes' : 'NO'}`);
    return { ratio: two.callsPerSecond / one.callsPerSecond, identical: one.dataset === two.dataset };
  } finally {
    await double.close();
    await redis.stop();
  }
}
