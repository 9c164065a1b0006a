/**
 * Queue throughput (issue #15, the distributed part): the infinite-instruct preset over HumanEval
 * with the scripted model behind the HTTP test double at a fixed latency, once with one worker and
 * once with two, each worker allowed `llm.concurrency: 4` calls in flight (its own limiter), static
 * verification off (the pipeline's shape, not pylint's CPU). Throughput = endpoint calls per second
 * between the first and the last request the double saw (process start-up left out). The ratio
 * shows how far a second worker's call slots are used; on one machine the workers also share its CPUs.
 * `QUEUE_SEEDS` sets the seeds (default 40). Needs redis-server on PATH.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { startLlmDouble } from '../double/index.js';
import { HUMANEVAL, tempDir } from '../e2e/helpers.js';
import { cli, stop, worker } from '../e2e/queue-procs.js';
import { hasRedisServer, startRedis } from '../e2e/redis.js';

/** A slow endpoint, so throughput is set by the call slots, not by this machine's CPU; our choice. */
const LATENCY_MS = 300;
const CALLS_PER_WORKER = 4;

export default async function bench(log: (line: string) => void): Promise<void> {
  if (!hasRedisServer()) {
    log('skipped: redis-server is not installed');
    return;
  }
  const seeds = Number(process.env.QUEUE_SEEDS ?? 40);
  const [double, redis] = await Promise.all([startLlmDouble({ latencyMs: LATENCY_MS }), startRedis()]);
  const rates: number[] = [];
  try {
    for (const workers of [1, 2]) {
      const client = new Redis(redis.url);
      await client.flushall(); // an empty shared cache: every call goes to the endpoint
      client.disconnect();
      double.reset();
      double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
      const dir = tempDir('queue-bench');
      const config = join(dir, 'instructsmith.config.json');
      writeFileSync(config, JSON.stringify({ llm: { concurrency: CALLS_PER_WORKER }, plugins: { 'analyzer:python': false }, verify: { unhandled: 'skip' } }));
      const procs = await Promise.all(Array.from({ length: workers }, () => worker(redis.url, '--concurrency', String(4 * CALLS_PER_WORKER))));
      const coordinator = cli(['run', '--preset', 'infinite-instruct', '--seeds', HUMANEVAL, '--model', 'openai:scripted-coder', '--base-url', double.url, '--out', join(dir, 'run'), '--limit', String(seeds), '--concurrency', '8', '--max-concurrency', '64', '--config', config, '--queue', redis.url]);
      const code = await coordinator.exited;
      await Promise.all(procs.map(stop));
      if (code !== 0) throw new Error(`coordinator exited ${code}:\n${coordinator.stderr()}`);
      const chat = double.chatRequests();
      const span = (chat.at(-1)!.at - chat[0]!.at) / 1000;
      const rate = chat.length / span;
      rates.push(rate);
      log(`${workers} worker${workers > 1 ? 's' : ' '}: ${seeds} seeds, ${chat.length} calls in ${span.toFixed(1)} s: ${rate.toFixed(1)} calls/s (ceiling ${((workers * CALLS_PER_WORKER * 1000) / LATENCY_MS).toFixed(1)})`);
    }
    log(`2 workers / 1 worker throughput: ${(rates[1]! / rates[0]!).toFixed(2)}x`);
  } finally {
    await double.close();
    await redis.stop();
  }
}
