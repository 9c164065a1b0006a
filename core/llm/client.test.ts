import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import ollamaPlugin from '../../plugins/providers/ollama.js';
import openaiPlugin from '../../plugins/providers/openai.js';
import { startLlmDouble, type LlmDouble } from '../../test/double/index.js';
import { createPluginContext } from '../context.js';
import { createHooks } from '../hooks.js';
import { createTemplateRenderer } from '../templates.js';
import { createLlmFactory, type LlmFactoryOptions } from './factory.js';
import { LlmError, type LlmSettings } from './types.js';
import { UsageMeter } from './usage.js';
import { structuredOutput } from './zod-schema.js';
import { z } from 'zod';

/** Middleware through the real providers and real HTTP against the double. */

const FAST: Partial<LlmSettings> = { backoffBaseMs: 1, backoffMaxMs: 5, timeoutMs: 2_000, maxAttempts: 8, invalidOutputAttempts: 3 };
const Verdict = structuredOutput('verdict', z.object({ score: z.number().int().min(1).max(10), reason: z.string().min(1) }));
const ASK = { messages: [{ role: 'user' as const, content: 'Rate this function.' }] };
const META = { plugin: 'judge:test' };

let double: LlmDouble;
let cacheDir: string;

/** Hooks with the real provider plugins applied the way the runner applies them (a context each; their apply is synchronous). */
function hooksWithProviders() {
  const hooks = createHooks();
  const parts = {
    hooks,
    llm: () => {
      throw new Error('provider plugins make no LLM calls');
    },
    templates: createTemplateRenderer(),
    log: { info() {}, warn() {}, debug() {} },
    run: { dir: tmpdir(), dryRun: false, config: {} },
  };
  for (const plugin of [openaiPlugin, ollamaPlugin]) void plugin.apply(createPluginContext(plugin.name, parts), plugin.options.parse({}) as never);
  return hooks;
}

function factory(overrides: Partial<LlmFactoryOptions> & { settings?: Partial<LlmSettings> } = {}) {
  const meter = overrides.meter ?? new UsageMeter();
  const llm = createLlmFactory({
    hooks: hooksWithProviders(),
    baseUrl: { openai: double.url, ollama: double.ollamaUrl },
    defaultModel: 'openai:gpt-test',
    meter,
    ...overrides,
    settings: { ...FAST, cacheDir, ...overrides.settings },
  });
  return { llm, meter };
}

beforeEach(async () => {
  double = await startLlmDouble();
  cacheDir = await mkdtemp(join(tmpdir(), 'instructsmith-llm-cache-'));
  vi.stubEnv('OPENAI_API_KEY', '');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await double.close();
  await rm(cacheDir, { recursive: true, force: true });
});

async function cacheFiles(): Promise<string[]> {
  const out: string[] = [];
  for (const sub of await readdir(cacheDir).catch(() => [])) for (const f of await readdir(join(cacheDir, sub))) out.push(join(sub, f));
  return out;
}

describe('retries', () => {
  it('rides out a 429 storm, waiting at least retry-after between attempts', async () => {
    double.fault({ status: 429, retryAfter: 0.06, times: 3 });
    const { llm } = factory({ settings: { cacheDir: null } });
    const out = await llm().complete(ASK, META);
    expect(out.content).toContain('Rate this function.');
    const times = double.chatRequests().map((r) => r.at);
    expect(times).toHaveLength(4);
    // backoff would be ≤ 5 ms here; each gap of ≥ 60 ms can only come from honouring retry-after.
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(60);
  });

  it('honours retry-after-ms and finishes many concurrent calls through a storm', async () => {
    double.fault({ status: 429, retryAfterMs: 20, times: 10 });
    const { llm, meter } = factory({ settings: { cacheDir: null, concurrency: 3 } });
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => llm().complete({ messages: [{ role: 'user', content: `task ${i}` }] }, META)));
    expect(replies.map((r) => r.content)).toEqual(Array.from({ length: 6 }, (_, i) => expect.stringContaining(`task ${i}`)));
    expect(double.count('openai.chat')).toBe(16);
    // What the endpoint received: the 10 rate-limited attempts count too.
    expect(meter.total().calls).toBe(16);
  });

  it('retries a 500 and then succeeds, reporting the retry', async () => {
    double.fault({ status: 500 });
    const retries: string[] = [];
    const { llm } = factory({ onRetry: ({ error, plugin }) => retries.push(`${plugin}:${error.kind}`) });
    await llm().complete(ASK, META);
    expect(retries).toEqual(['judge:test:server']);
    expect(double.chatRequests().map((r) => r.status)).toEqual([500, 200]);
  });

  it('retries a reply slower than the timeout', async () => {
    double.fault({ delayMs: 1_500 });
    const retries: string[] = [];
    const { llm } = factory({ settings: { timeoutMs: 150 }, onRetry: ({ error }) => retries.push(error.kind) });
    const out = await llm('ollama:qwen2.5-coder:7b').complete(ASK, META);
    expect(out.content).toContain('Rate this function.');
    // Normally exactly one timeout; on a loaded machine an attempt may time out before the server
    // records it, so only "at least one timeout, all retried, fault consumed" is certain.
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(new Set(retries)).toEqual(new Set(['timeout']));
    expect(double.pendingFaults()).toBe(0);
    expect(double.chatRequests().at(-1)!.status).toBe(200);
  });

  it('gives up after maxAttempts, saying so, with a fatal error (the endpoint is at fault, not the sample)', async () => {
    double.fault({ status: 503, times: 10 });
    const { llm } = factory({ settings: { maxAttempts: 3 } });
    const err = await llm().complete(ASK, META).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect(err).toMatchObject({ kind: 'endpoint_unavailable', fatal: true });
    expect((err as Error).message).toContain('after 3 attempts');
    expect(double.count('openai.chat')).toBe(3);
  });

  it('fails fast on fatal kinds: unreachable and auth are not retried', async () => {
    const locked = await startLlmDouble({ requireKey: 'sk-test-right-000000' });
    try {
      vi.stubEnv('OPENAI_API_KEY', 'sk-test-wrong-111111');
      const { llm } = factory({ baseUrl: locked.url });
      const err = await llm().complete(ASK, META).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'auth', fatal: true });
      expect(locked.count('openai.chat')).toBe(1);
    } finally {
      await locked.close();
    }
    const closedUrl = double.url;
    await double.close();
    double = await startLlmDouble();
    const { llm } = factory({ baseUrl: { openai: closedUrl } });
    const err = await llm().complete(ASK, META).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unreachable' });
    expect((err as Error).message).toContain(closedUrl);
  });
});

describe('structured calls', () => {
  it('parses, validates and returns the typed value; a fenced reply is accepted', async () => {
    double.reply((req) => (req.schemaName === 'verdict' ? '```json\n{"score": 7, "reason": "clear"}\n```' : undefined));
    const { llm } = factory();
    const out = await llm().structured(ASK, Verdict.schema, Verdict.validate, META);
    expect(out.value).toEqual({ score: 7, reason: 'clear' });
    expect(out.usage).toHaveLength(1);
    expect(double.requests[0]!.schema).toEqual(Verdict.schema.jsonSchema);
  });

  it('retries a malformed reply with a new seed, then succeeds', async () => {
    double.fault({ malformed: true });
    const { llm } = factory();
    const out = await llm('ollama:m').structured({ ...ASK, seed: 100 }, Verdict.schema, Verdict.validate, META);
    expect(out.value.score).toBe(10);
    expect(out.usage).toHaveLength(2);
    expect(double.chatRequests().map((r) => r.seed)).toEqual([100, 101]);
  });

  it('throws invalid_output after invalidOutputAttempts, saying what did not validate, and caches nothing', async () => {
    double.reply(() => ({ score: 42, reason: 'too generous' }));
    const { llm, meter } = factory();
    const err = await llm().structured(ASK, Verdict.schema, Verdict.validate, META).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect(err).toMatchObject({ kind: 'invalid_output' });
    expect((err as Error).message).toMatch(/verdict/);
    expect((err as Error).message).toMatch(/score/);
    expect((err as Error).message).toMatch(/3 attempts/);
    expect(double.count('openai.chat')).toBe(3);
    expect(new Set(double.chatRequests().map((r) => r.seed)).size).toBe(3);
    expect(meter.total().calls).toBe(3);
    expect(await cacheFiles()).toEqual([]);
  });

  it('malformed JSON every time ends in invalid_output', async () => {
    double.fault({ malformed: true, times: 3 });
    const { llm } = factory();
    const err = await llm().structured(ASK, Verdict.schema, Verdict.validate, META).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'invalid_output' });
    expect((err as Error).message).toContain('not valid JSON');
  });
});

describe('cache', () => {
  it('a hit makes no HTTP request, reports cached usage, and survives a fresh instance', async () => {
    const first = factory();
    const a = await first.llm().complete(ASK, META);
    expect(a.usage.cached).toBe(false);
    expect(await cacheFiles()).toHaveLength(1);

    // Another factory, other throughput settings and even another endpoint: same meaning, same entry.
    const other = await startLlmDouble();
    try {
      const second = factory({ baseUrl: other.url, settings: { concurrency: 1, timeoutMs: 999, maxAttempts: 2 } });
      const b = await second.llm().complete(ASK, META);
      expect(b.content).toBe(a.content);
      expect(b.usage).toEqual({ ...a.usage, cached: true });
      expect(other.count()).toBe(0);
      // Nothing was sent: no call, no tokens spent; the hit is counted apart.
      expect(second.meter.total()).toEqual({ calls: 0, cachedCalls: 1, sharedCalls: 0, promptTokens: 0, completionTokens: 0 });
      expect(second.meter.cachedTokens()).toEqual({ promptTokens: a.usage.promptTokens, completionTokens: a.usage.completionTokens });
    } finally {
      await other.close();
    }
    expect(double.count('openai.chat')).toBe(1);
  });

  it('tells a store that coalesces across processes (abandon) when the call after its miss failed, and only then', async () => {
    const calls: string[] = [];
    const store = {
      get: async (key: string) => (calls.push(`get ${key.slice(0, 6)}`), undefined),
      set: async (entry: { key: string }) => void calls.push(`set ${entry.key.slice(0, 6)}`),
      abandon: async (key: string) => void calls.push(`abandon ${key.slice(0, 6)}`),
    };
    double.reply((req) => {
      if (req.lastUser.includes('fails')) throw new Error('the endpoint fails');
      return 'fine';
    });
    const { llm } = factory({ cache: store, settings: { maxAttempts: 2 } });
    await llm().complete(ASK, META);
    await expect(llm().complete({ messages: [{ role: 'user', content: 'this one fails' }] }, META)).rejects.toThrow();
    const [ok, failed] = [calls[0]!.slice(4), calls[2]!.slice(4)];
    expect(calls).toEqual([`get ${ok}`, `set ${ok}`, `get ${failed}`, `abandon ${failed}`]);
  });

  it('misses when messages, sampling, schema or model change', async () => {
    const { llm } = factory();
    await llm().complete(ASK, META);
    await llm().complete({ ...ASK, temperature: 0.5 }, META);
    await llm().complete({ messages: [{ role: 'user', content: 'Rate this other function.' }] }, META);
    await llm('openai:other-model').complete(ASK, META);
    await llm().structured(ASK, Verdict.schema, Verdict.validate, META);
    expect(double.count('openai.chat')).toBe(5);
    await llm().complete({ ...ASK, temperature: 0.5 }, META);
    await llm().structured(ASK, Verdict.schema, Verdict.validate, META);
    expect(double.count('openai.chat')).toBe(5);
    expect(await cacheFiles()).toHaveLength(5);
  });

  it('re-asks the model when a cached structured reply no longer validates, and overwrites the entry', async () => {
    double.reply((req) => ({ score: req.n === 1 ? 5 : 9, reason: 'because' }));
    const { llm } = factory();
    const lenient = await llm().structured(ASK, Verdict.schema, Verdict.validate, META);
    expect(lenient.value.score).toBe(5);
    const strict = (v: unknown) => {
      const out = Verdict.validate(v);
      if (out.score < 6) throw new Error(`score ${out.score} is below 6`);
      return out;
    };
    const again = await llm().structured(ASK, Verdict.schema, strict, META);
    expect(again.value.score).toBe(9);
    expect(again.usage.map((u) => u.cached)).toEqual([false]);
    expect(double.chatRequests().map((r) => r.seed)).toEqual([undefined, undefined]);
    const third = await llm().structured(ASK, Verdict.schema, strict, META);
    expect(third.usage.map((u) => u.cached)).toEqual([true]);
    expect(double.count('openai.chat')).toBe(2);
  });

  it('does not cache failures', async () => {
    double.fault({ status: 400 });
    const { llm } = factory();
    await expect(llm().complete(ASK, META)).rejects.toMatchObject({ kind: 'bad_request' });
    expect(await cacheFiles()).toEqual([]);
  });
});

describe('concurrency and usage', () => {
  it('shares one limit per endpoint across models', async () => {
    let inFlight = 0;
    let peak = 0;
    double.reply(async (req) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 80)); // long enough that both slots overlap even on a loaded machine
      inFlight--;
      return `ok ${req.model}`;
    });
    const { llm, meter } = factory({ settings: { concurrency: 2, cacheDir: null } });
    await Promise.all([0, 1, 2, 3, 4, 5].map((i) => llm(i % 2 ? 'openai:a' : 'openai:b').complete({ messages: [{ role: 'user', content: `q${i}` }] }, META)));
    expect(peak).toBe(2);
    expect(Object.keys(meter.byModel())).toEqual(['openai:a', 'openai:b']);
    expect(meter.byModel()['openai:a']!.calls).toBe(3);
  });

  it('meters tokens per model from the provider usage', async () => {
    const { llm, meter } = factory();
    const out = await llm('ollama:coder').complete(ASK, META);
    expect(out.usage).toEqual({ plugin: 'judge:test', model: 'ollama:coder', promptTokens: Math.ceil(ASK.messages[0]!.content.length / 4), completionTokens: Math.ceil(out.content.length / 4), cached: false });
    expect(meter.byModel()['ollama:coder']).toEqual({ calls: 1, cachedCalls: 0, sharedCalls: 0, promptTokens: out.usage.promptTokens, completionTokens: out.usage.completionTokens });
  });
});

describe('dry run', () => {
  it('makes no request, records prompts and estimates tokens, and returns schema-valid maxima', async () => {
    const { llm } = factory({ dryRun: true });
    const plain = await llm().complete({ ...ASK, maxTokens: 300 }, META);
    expect(plain.content).toContain('dry run');
    const judged = await llm('ollama:judge').structured(ASK, Verdict.schema, Verdict.validate, { plugin: 'judge:quality' });
    expect(judged.value.score).toBe(10);
    expect(double.count()).toBe(0);
    expect(await cacheFiles()).toEqual([]);
    const log = llm.dryRunLog!;
    expect(log.requests().map((r) => [r.n, r.modelId, r.plugin, r.schema])).toEqual([
      [1, 'openai:gpt-test', 'judge:test', undefined],
      [2, 'ollama:judge', 'judge:quality', 'verdict'],
    ]);
    expect(log.requests()[0]!.messages).toEqual(ASK.messages);
    const est = log.estimate();
    const perCall = Math.ceil(ASK.messages[0]!.content.length / 4);
    expect(est).toMatchObject({ calls: 2, structuredCalls: 1, promptTokens: 2 * perCall, completionTokensMax: 300, callsWithoutMaxTokens: 1 });
    expect(est.method).toContain('characters / 4');
  });
});
