import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectAbandoned, trackAttempt } from '../../cli/queue/attempt-usage.js';
import { countFor, inJob, JobScope } from '../../cli/queue/job-scope.js';
import { RedisRequestCache, type RedisCacheTimings } from '../../cli/queue/redis-cache.js';
import { createPluginContext } from '../../core/context.js';
import { createHooks } from '../../core/hooks.js';
import { LlmCache, type CacheEntry } from '../../core/llm/cache.js';
import { createLlmFactory } from '../../core/llm/factory.js';
import { UsageMeter } from '../../core/llm/usage.js';
import { createTemplateRenderer } from '../../core/templates.js';
import openaiPlugin from '../../plugins/providers/openai.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import { hasRedisServer, startRedis, type TestRedis } from './redis.js';

/** Issue #15: identical calls in flight on two workers at once reach the endpoint once (the Redis request cache's claims). */

const HOUR = 3_600_000;
const MODEL = 'openai:gpt-test';

/** A worker's LLM side as worker.ts builds it: its own Redis connection, cache and meter, the real openai provider. */
function workerLlm(url: string, double: LlmDouble, timings: RedisCacheTimings = {}) {
  const hooks = createHooks();
  const parts = { hooks, llm: () => undefined as never, templates: createTemplateRenderer(), log: { info() {}, warn() {}, debug() {} }, run: { dir: tmpdir(), dryRun: false, config: {} } };
  void openaiPlugin.apply(createPluginContext(openaiPlugin.name, parts), openaiPlugin.options.parse({}) as never);
  const redis = new Redis(url);
  const cache = new RedisRequestCache(redis, timings);
  const meter = new UsageMeter();
  meter.teeTo(countFor);
  const llm = createLlmFactory({ hooks, baseUrl: { openai: double.url }, defaultModel: MODEL, meter, cache, settings: { cacheDir: null, maxAttempts: 1, timeoutMs: 10_000 } });
  return { llm, cache, redis, meter };
}

/** `prompts` sent at once by one job of a worker; its usage once all are answered. */
async function job(w: ReturnType<typeof workerLlm>, prompts: string[]) {
  const scope = new JobScope(HOUR);
  const settled = await inJob(scope, () => Promise.allSettled(prompts.map((p) => w.llm().complete({ messages: [{ role: 'user', content: p }] }, { plugin: 'test:flight' }))));
  await w.cache.releaseAll(scope);
  return { settled, usage: scope.usage()[MODEL]! };
}

/** How many calls have a worker waiting for them (subscribed to their channel). */
async function waitedCalls(redis: Redis): Promise<number> {
  return ((await redis.pubsub('CHANNELS', 'instructsmith:llm-flight:*')) as string[]).length;
}

/** Poll `cond` every 20 ms until it holds. */
async function eventually(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 20));
}

function entryFor(key: string, content: string): CacheEntry {
  return { ...LlmCache.entry({ provider: 'openai', model: 'gpt-test', request: { messages: [{ role: 'user', content: 'x' }] } }, key, { content, promptTokens: 1, completionTokens: 2 }) };
}

describe.skipIf(!hasRedisServer())('the Redis request cache across workers', () => {
  let double: LlmDouble;
  let redis: TestRedis;
  let admin: Redis;

  beforeAll(async () => {
    [double, redis] = await Promise.all([startLlmDouble(), startRedis()]);
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await double?.close();
    await redis?.stop();
  });
  beforeEach(async () => {
    await admin.flushall();
    double.reset();
  });

  it('two workers sending the same prompts at once: the endpoint sees each once, the other worker counts it shared', async () => {
    const prompts = ['one', 'two', 'three', 'four'].map((w) => `Explain the word ${w}.`);
    // Each reply waits until every prompt has a waiter on the other worker, so both are surely in flight together.
    double.reply(async (req) => {
      await eventually(async () => (await waitedCalls(admin)) === prompts.length);
      return `answer to ${req.lastUser}`;
    });
    const [a, b] = [workerLlm(redis.url, double), workerLlm(redis.url, double)];
    try {
      const [ja, jb] = await Promise.all([job(a, prompts), job(b, [...prompts].reverse())]);
      const sent = double.chatRequests().map((r) => r.messages?.at(-1)?.content);
      expect([...sent].sort()).toEqual([...prompts].sort());
      const contents = (settled: PromiseSettledResult<{ content: string }>[]) => settled.map((s) => (s.status === 'fulfilled' ? s.value.content : String(s.reason)));
      expect(contents(ja.settled)).toEqual(prompts.map((p) => `answer to ${p}`));
      expect(contents(jb.settled)).toEqual([...prompts].reverse().map((p) => `answer to ${p}`));
      // What one worker sent, the other obtained as shared: 4 calls and 4 shared replies in all, no cache hit.
      expect(ja.usage.calls + jb.usage.calls).toBe(prompts.length);
      expect((ja.usage.sharedCalls ?? 0) + (jb.usage.sharedCalls ?? 0)).toBe(prompts.length);
      expect(ja.usage.cachedCalls + jb.usage.cachedCalls).toBe(0);
      expect(ja.usage.calls + (ja.usage.sharedCalls ?? 0)).toBe(prompts.length);
      expect(await admin.keys('instructsmith:llm-flight:*')).toEqual([]); // nothing stays claimed
    } finally {
      a.redis.disconnect();
      b.redis.disconnect();
      await Promise.all([a.cache.close(), b.cache.close()]);
    }
  });

  it('a failed call gives its claim up (abandon, or at the latest when its job ends): the waiting worker calls itself, no error is shared', async () => {
    const [a, b] = [workerLlm(redis.url, double), workerLlm(redis.url, double)];
    const prompt = 'Explain the word five.';
    let calls = 0;
    double.reply(async (req) => {
      if (++calls > 1) return `answer to ${req.lastUser}`;
      await eventually(async () => (await waitedCalls(admin)) === 1);
      throw new Error('the first call fails'); // the double answers 500
    });
    try {
      const ja = job(a, [prompt]);
      await eventually(async () => (await admin.keys('instructsmith:llm-flight:*')).length === 1); // a holds the claim
      const [ra, rb] = await Promise.all([ja, job(b, [prompt])]);
      expect(ra.settled[0]!.status).toBe('rejected');
      expect(rb.settled[0]).toMatchObject({ status: 'fulfilled', value: { content: `answer to ${prompt}` } });
      expect(double.chatRequests()).toHaveLength(2);
      expect(rb.usage).toMatchObject({ calls: 1, cachedCalls: 0, sharedCalls: 0 });
      expect(await admin.keys('instructsmith:llm-cache:*')).toHaveLength(1); // the reply, not the error
    } finally {
      a.redis.disconnect();
      b.redis.disconnect();
      await Promise.all([a.cache.close(), b.cache.close()]);
    }
  });

  it('a lookup Redis fails is a miss, reported: the call is made and stored; with Redis gone the store stops the run (fatal)', async () => {
    const errors: string[] = [];
    const w = workerLlm(redis.url, double, { onReadError: (m) => errors.push(m) });
    try {
      double.reply(() => 'answered anyway');
      const get = w.redis.get.bind(w.redis);
      let failures = 1;
      // One GET fails as a command timing out would; everything after it works.
      w.redis.get = ((...args: Parameters<typeof get>) => (failures-- > 0 ? Promise.reject(new Error('Command timed out')) : get(...args))) as typeof w.redis.get;
      const { settled } = await job(w, ['read fails once']);
      expect(settled).toEqual([{ status: 'fulfilled', value: expect.objectContaining({ content: 'answered anyway' }) }]);
      expect(double.chatRequests()).toHaveLength(1);
      expect(errors).toEqual([expect.stringMatching(/^reading the LLM cache entry [0-9a-f]{64} from Redis failed \(Command timed out\); calling the endpoint instead$/)]);
      expect(await admin.keys('instructsmith:llm-cache:*')).toHaveLength(1); // stored for the other workers

      w.redis.disconnect(); // Redis unreachable from here on: the read misses, the store refuses
      const gone = await job(w, ['redis gone']);
      expect(gone.settled).toEqual([{ status: 'rejected', reason: expect.objectContaining({ code: 'LLM_CACHE_WRITE', fatal: true }) }]);
      expect(errors).toHaveLength(2);
    } finally {
      await w.cache.close();
    }
  });

  it('a claim whose worker died lapses with its lease, and a waiter takes it over', async () => {
    const dying = new Redis(redis.url);
    const dead = new RedisRequestCache(dying, { leaseMs: 300 });
    const alive = new RedisRequestCache(new Redis(redis.url), { leaseMs: 300, pollMs: 50 });
    const key = 'a'.repeat(64);
    const victim = new JobScope(HOUR);
    expect(await inJob(victim, () => dead.get(key))).toBeUndefined(); // the dying worker claims the call
    expect(await admin.get(RedisRequestCache.claimOf(key))).toBe(victim.token);
    dying.disconnect(); // killed: no renewal, no release
    const heir = new JobScope(HOUR);
    // The waiter's get returns once the lease lapsed, with the claim now its own.
    expect(await inJob(heir, () => alive.get(key))).toBeUndefined();
    expect(await admin.get(RedisRequestCache.claimOf(key))).toBe(heir.token);
    // Its reply stored, the claim is gone and a third job reads the entry.
    await inJob(heir, () => alive.set(entryFor(key, 'late answer')));
    expect(await admin.get(RedisRequestCache.claimOf(key))).toBeNull();
    expect((await inJob(new JobScope(HOUR), () => alive.get(key)))?.content).toBe('late answer');
    await Promise.all([dead.close(), alive.close()]);
  });

  it('a job never waits for its own claim; a claim held past maxHoldMs lapses', async () => {
    const one = new RedisRequestCache(new Redis(redis.url), { leaseMs: 300, pollMs: 50 });
    const two = new RedisRequestCache(new Redis(redis.url), { leaseMs: 300, pollMs: 50 });
    const key = 'b'.repeat(64);
    const holder = new JobScope(0); // stops renewing at the first renewal
    expect(await inJob(holder, () => one.get(key))).toBeUndefined();
    expect(await inJob(holder, () => one.get(key))).toBeUndefined(); // the same job asks again: no wait on itself
    const other = new JobScope(HOUR);
    expect(await inJob(other, () => two.get(key))).toBeUndefined(); // the holder's job still runs, but its claim lapsed
    expect(await admin.get(RedisRequestCache.claimOf(key))).toBe(other.token);
    await Promise.all([one.close(), two.close()]);
  });

  it("a killed attempt's usage, reported as it went, is collected once with the job; a finished attempt leaves none", async () => {
    const runId = 'run1';
    const killed = new JobScope(HOUR);
    trackAttempt(admin, runId, 'job-1', killed); // never finished
    const finished = new JobScope(HOUR);
    const done = trackAttempt(admin, runId, 'job-1', finished);
    const meter = new UsageMeter();
    meter.teeTo(countFor);
    await inJob(killed, async () => {
      meter.sent(MODEL);
      meter.sent(MODEL);
      meter.record({ plugin: 'p', model: MODEL, promptTokens: 10, completionTokens: 5, cached: false });
      meter.record({ plugin: 'p', model: MODEL, promptTokens: 3, completionTokens: 1, cached: true });
    });
    await inJob(finished, async () => {
      meter.sent(MODEL);
      meter.record({ plugin: 'p', model: MODEL, promptTokens: 7, completionTokens: 7, cached: false });
    });
    await eventually(async () => Object.keys(await admin.hgetall('instructsmith:run:run1:attempts:job-1')).length === 2);
    await done.finish();
    // Only what the endpoint received and sent: the cache hit is redone by the attempt that finished.
    expect(await collectAbandoned(admin, runId, 'job-1')).toEqual({ [MODEL]: { calls: 2, cachedCalls: 0, sharedCalls: 0, promptTokens: 10, completionTokens: 5 } });
    expect(await collectAbandoned(admin, runId, 'job-1')).toEqual({});
  });
});
