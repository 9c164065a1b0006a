import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_STOPPED_RESUMABLE } from '../../cli/main.js';
import { createHooks } from '../../core/hooks.js';
import { createLlmFactory } from '../../core/llm/factory.js';
import type { LlmSettings } from '../../core/llm/types.js';
import { UsageMeter } from '../../core/llm/usage.js';
import { packageRoot } from '../../core/paths.js';
import { createOpenAiProvider } from '../../plugins/providers/openai.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import { dataset, HUMANEVAL, runPreset, tempDir } from './helpers.js';

/** Issue #15, first slice: rate limits, AIMD, the breaker, single-flight and abort listeners, against the HTTP double. */

function factory(double: LlmDouble, settings: Partial<LlmSettings>, signal?: AbortSignal) {
  const hooks = createHooks();
  hooks.provider.for('openai').tap('provider:openai', (o) => createOpenAiProvider(o, {}, {}));
  const meter = new UsageMeter();
  const llm = createLlmFactory({ hooks, baseUrl: double.url, defaultModel: 'openai:m', meter, settings: { backoffBaseMs: 10, backoffMaxMs: 100, ...settings }, signal });
  return { llm, meter };
}
const ask = (i: number) => ({ messages: [{ role: 'user' as const, content: `task ${i}` }] });
const meta = { plugin: 'test:scale' };

describe('the LLM layer against a rate-limited endpoint', () => {
  let double: LlmDouble;
  beforeAll(async () => {
    double = await startLlmDouble();
  });
  afterAll(async () => double?.close());

  it('honours x-ratelimit-* headers: under 5% of requests get a 429 and every call succeeds', async () => {
    double.reset();
    // 25 requests per 250 ms window (100/s), far below what 32 slots on an instant server would send.
    double.setRateLimit({ requests: 25, windowMs: 250 });
    const { llm, meter } = factory(double, { concurrency: 32, maxAttempts: 20 });
    const N = 300;
    const replies = await Promise.all(Array.from({ length: N }, (_, i) => llm().complete(ask(i), meta)));
    double.setRateLimit(undefined);
    expect(replies).toHaveLength(N);
    const chat = double.chatRequests();
    const limited = chat.filter((r) => r.status === 429).length;
    expect(chat.filter((r) => r.status === 200)).toHaveLength(N);
    expect(limited / chat.length).toBeLessThan(0.05);
    expect(meter.total().calls).toBe(chat.length); // usage counts what the endpoint received
  }, 30_000);

  it('without the headers, too many requests at once: 429s halve the in-flight limit (AIMD), successes bring it back to llm.concurrency', async () => {
    double.reset();
    const { llm } = factory(double, { concurrency: 16, maxAttempts: 10 });
    double.fault({ status: 429, retryAfterMs: 5, times: 16 });
    await Promise.all(Array.from({ length: 16 }, (_, i) => llm().complete(ask(i), meta)));
    const limiter = [...llm.limiters.values()][0]!;
    // Halved to 8 by the burst, then a little additive increase from the 16 retries' successes.
    expect(limiter.limit).toBeLessThan(12);
    // Far more than the additive increase needs (sum of 1..16); the limit never exceeds 16.
    for (let round = 0; round < 20; round++) await Promise.all(Array.from({ length: 16 }, (_, i) => llm().complete(ask(1000 + round * 16 + i), meta)));
    expect(limiter.limit).toBe(16);
  }, 30_000);

  it('coalesces identical concurrent calls into one request, counted as shared', async () => {
    double.reset();
    double.reply(async () => {
      await new Promise((r) => setTimeout(r, 30));
      return 'the one reply';
    });
    const { llm, meter } = factory(double, { concurrency: 8 });
    const out = await Promise.all(Array.from({ length: 10 }, () => llm().complete(ask(7), meta)));
    expect(out.map((o) => o.content)).toEqual(Array(10).fill('the one reply'));
    expect(double.chatRequests()).toHaveLength(1);
    expect(meter.total()).toMatchObject({ calls: 1, sharedCalls: 9, cachedCalls: 0 });
    // The record of a shared reply says it cost that record nothing, as a cache hit would.
    expect(out.filter((o) => o.usage.cached)).toHaveLength(9);
    // Tokens are the endpoint's: counted once.
    expect(meter.total().completionTokens).toBe(out[0]!.usage.completionTokens);
  });

  it('prints no MaxListenersExceededWarning with 64 calls in flight (and retrying) on one run signal', async () => {
    double.reset();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const run = new AbortController();
      const { llm } = factory(double, { concurrency: 64, maxAttempts: 10 }, run.signal);
      double.reply(async () => {
        await new Promise((r) => setTimeout(r, 20));
        return 'ok';
      });
      double.fault({ status: 500, retryAfterMs: 5, times: 40 }); // calls in backoff listen on the signal too
      await Promise.all(Array.from({ length: 200 }, (_, i) => llm().complete(ask(i), meta)));
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
  }, 30_000);
});

function cli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'cli/bin.ts'), ...args], { cwd: packageRoot(), stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: 'true' } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe('the circuit breaker', () => {
  let double: LlmDouble;
  beforeAll(async () => {
    double = await startLlmDouble();
  });
  afterAll(async () => double?.close());

  it('stops a run against an endpoint that only answers 429 (exit 75, run.json stopped), which then resumes to the undisturbed dataset', async () => {
    const SEEDS = 6;
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    const reference = tempDir('breaker-ref');
    const prices = { 'openai:scripted-coder': { input: 0.5, output: 2 } };
    await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: 'openai:scripted-coder', baseUrl: double.url, out: reference, limit: SEEDS, concurrency: 3, llm: { prices } });
    // The price table gives the run's cost in run.json, from the tokens the endpoint reported.
    const ref = JSON.parse(readFileSync(join(reference, 'run.json'), 'utf8')) as { usage: Record<string, { promptTokens: number; completionTokens: number }>; cost: { total: number } };
    const u = ref.usage['openai:scripted-coder']!;
    expect(u.promptTokens).toBeGreaterThan(0);
    expect(ref.cost.total).toBeCloseTo((u.promptTokens * 0.5 + u.completionTokens * 2) / 1e6, 10);

    double.reset();
    double.fault({ status: 429, retryAfterMs: 20, times: 1_000_000 });
    const dir = tempDir('breaker');
    const config = join(dir, 'instructsmith.config.json');
    // Attempts enough for minutes of retrying: only the breaker's 1 s can stop this run.
    writeFileSync(config, JSON.stringify({ llm: { breakerSeconds: 1, maxAttempts: 50, backoffBaseMs: 20, backoffMaxMs: 100 } }));
    const out = join(dir, 'run');
    const args = ['run', '--preset', 'infinite-instruct', '--seeds', HUMANEVAL, '--model', 'openai:scripted-coder', '--base-url', double.url, '--out', out, '--limit', String(SEEDS), '--concurrency', '3', '--config', config];
    const stopped = await cli(args);
    expect(stopped.code).toBe(EXIT_STOPPED_RESUMABLE);
    expect(stopped.stderr).toMatch(/has answered only errors \(HTTP 429\) for 1 s/);
    expect(stopped.stderr).toMatch(/resume with:/);
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { status: string; stoppedBy: { message: string } };
    expect(runJson.status).toBe('stopped');
    expect(runJson.stoppedBy.message).toMatch(/429/);
    expect(double.chatRequests().every((r) => r.status === 429)).toBe(true);

    double.reset();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    const resumed = await cli(args);
    // Nothing but the CI progress lines and, on a machine without the user cache, the preset's
    // decontamination saying once that it has no benchmark: no warning of the retries or the breaker.
    const unexpected = resumed.stderr.split('\n').filter((l) => l && !l.startsWith('progress: ') && !l.startsWith('warning: filter:decontaminate: no benchmark file loaded '));
    expect(unexpected).toEqual([]);
    expect(resumed.code).toBe(0);
    expect(dataset(out)).toEqual(dataset(reference));
  }, 120_000);
});
