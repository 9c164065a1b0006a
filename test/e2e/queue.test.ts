import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import { dataset, HUMANEVAL, runPreset, tempDir } from './helpers.js';
import { QUEUE_NAME, redisOptions } from '../../cli/queue/connection.js';
import { cli, stop, until, worker } from './queue-procs.js';
import { hasRedisServer, startRedis, type TestRedis } from './redis.js';

/** Issue #15, the distributed part: `run --queue` + `worker --queue` over BullMQ, against the HTTP double. */

const SEEDS = 8;
const MODEL = 'openai:scripted-coder';
const redisPresent = hasRedisServer();

const runArgs = (url: string, double: LlmDouble, out: string) => ['run', '--preset', 'infinite-instruct', '--seeds', HUMANEVAL, '--model', MODEL, '--base-url', double.url, '--out', out, '--limit', String(SEEDS), '--concurrency', '3', '--queue', url];
type Usage = Record<string, { calls: number; cachedCalls: number; sharedCalls?: number; promptTokens: number; completionTokens: number }>;
const runJsonOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { status: string; usage: Usage; cost?: unknown };
/** What the endpoint received and sent per model; replies it did not send, from the cache or an identical call in flight, as one count (which of the two depends on timing). */
const received = (usage: Usage) =>
  Object.fromEntries(Object.entries(usage).map(([id, u]) => [id, { calls: u.calls, promptTokens: u.promptTokens, completionTokens: u.completionTokens, notSent: u.cachedCalls + (u.sharedCalls ?? 0) }]));
const bytes = (dir: string) => ({ samples: readFileSync(join(dir, 'samples.jsonl'), 'utf8'), rejected: readFileSync(join(dir, 'rejected.jsonl'), 'utf8') });

describe.runIf(!redisPresent && process.env.CI)('the queue tests in CI', () => {
  it('have redis-server installed', () => {
    expect.fail('redis-server is not on PATH; CI must install it (APT_PACKAGES in .ci/run)');
  });
});

describe.skipIf(!redisPresent)(`run --queue with workers${redisPresent ? '' : ' (skipped: redis-server is not installed; apt-get install redis-server)'}`, () => {
  let double: LlmDouble;
  let redis: TestRedis;
  let reference: string;
  let referenceCalls: number;

  beforeAll(async () => {
    [double, redis] = await Promise.all([startLlmDouble(), startRedis()]);
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    reference = tempDir('queue-ref');
    await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: MODEL, baseUrl: double.url, out: reference, limit: SEEDS, concurrency: 3 });
    referenceCalls = double.chatRequests().length;
  }, 120_000);
  afterAll(async () => {
    await double?.close();
    await redis?.stop();
  });
  beforeEach(async () => {
    // Each test starts from an empty queue and an empty shared cache.
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
    double.reset();
  });

  it('a coordinator and two workers write the single-process dataset byte for byte, with the same endpoint calls in all (shared cache)', async () => {
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    // Each worker with a temp folder of its own, to see that it removes its scratch run directory on the way out.
    const temps = [tempDir('worker-tmp'), tempDir('worker-tmp')];
    const workers = await Promise.all(temps.map((t) => worker(redis.url, ['--concurrency', '2'], { TMPDIR: t })));
    const out = join(tempDir('queue'), 'run');
    const coordinator = cli(runArgs(redis.url, double, out));
    const code = await coordinator.exited;
    const sent = await Promise.all(workers.map(stop));
    expect(code, coordinator.stderr()).toBe(0);
    expect(temps.map((t) => readdirSync(t).filter((n) => n.startsWith('instructsmith-worker-')))).toEqual([[], []]);
    expect(bytes(out)).toEqual(bytes(reference));
    expect(readFileSync(join(out, 'samples.jsonl'), 'utf8').length).toBeGreaterThan(0);
    // Both workers took seeds (each holds at most 2 of the coordinator's 3+ in flight); with the
    // coordinator's own calls (backfeeding's keyword extraction runs there, on the global view) they made
    // exactly the calls the single-process run made: none twice.
    expect(sent.every((n) => n > 0), workers.map((w) => w.stderr()).join('\n')).toBe(true);
    expect(double.chatRequests().length).toBe(referenceCalls);
    const runJson = runJsonOf(out);
    expect(runJson.status).toBe('complete');
    // run.json counts the workers' calls with the coordinator's: the single-process run's usage.
    expect(runJson.usage[MODEL]!.calls).toBe(referenceCalls);
    expect(received(runJson.usage)).toEqual(received(runJsonOf(reference).usage));
  }, 120_000);

  it('a worker killed with -9 mid-run: its seeds go to the other worker, and the dataset is the single-process one', async () => {
    const scripted = scriptedModel({ humanEvalPath: HUMANEVAL });
    // Slow replies, so the first worker is surely holding seeds when it is killed.
    double.reply(async (req) => {
      await new Promise((r) => setTimeout(r, 100));
      return scripted(req);
    });
    const connection = redisOptions(redis.url);
    const queue = new Queue(QUEUE_NAME, { connection });
    const events = new QueueEvents(QUEUE_NAME, { connection });
    const stalled: string[] = [];
    events.on('stalled', ({ jobId }) => stalled.push(jobId));
    await events.waitUntilReady();
    try {
      const first = await worker(redis.url, ['--concurrency', '2', '--stall-seconds', '2']);
      const out = join(tempDir('queue-kill'), 'run');
      const coordinator = cli(runArgs(redis.url, double, out));
      await until('the first calls', () => double.chatRequests().length >= 3, coordinator);
      const held = await queue.getActiveCount();
      first.child.kill('SIGKILL');
      await first.exited;
      expect(held).toBeGreaterThan(0); // the killed worker was holding seeds
      expect(coordinator.child.exitCode).toBeNull();
      const second = await worker(redis.url, ['--concurrency', '2', '--stall-seconds', '2']);
      const code = await coordinator.exited;
      await stop(second);
      expect(code, coordinator.stderr()).toBe(0);
      // BullMQ's stalled-job check gave the dead worker's seeds to the second one.
      expect(stalled.length).toBeGreaterThan(0);
      expect(stalled.length).toBeLessThanOrEqual(2); // at most what it could hold (--concurrency 2)
      // Replies the killed worker had obtained are cache hits for the second one: compare without `cached`.
      expect(dataset(out)).toEqual(dataset(reference));
      // run.json counts every call the endpoint received, the killed worker's included (it reported them
      // as it made them), and the seeds it did not finish once.
      const usage = runJsonOf(out).usage[MODEL]!;
      expect(usage.calls).toBe(double.chatRequests().length);
      expect(usage.calls).toBeGreaterThanOrEqual(referenceCalls);
      expect(usage.calls + usage.cachedCalls + (usage.sharedCalls ?? 0)).toBeGreaterThanOrEqual(referenceCalls);
    } finally {
      await events.close();
      await queue.close();
    }
  }, 120_000);
});
