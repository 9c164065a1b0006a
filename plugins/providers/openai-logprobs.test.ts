import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHooks } from '../../core/hooks.js';
import { createLlmFactory } from '../../core/llm/factory.js';
import { UsageMeter } from '../../core/llm/usage.js';
import { LlmError } from '../../core/index.js';
import { startLlmDouble, type LlmDouble } from '../../test/double/index.js';
import { createOpenAiProvider } from './openai.js';

const CALL = { timeoutMs: 2_000 };
const COMPLETIONS = { route: 'openai.completions' as const };

let double: LlmDouble;
beforeEach(async () => {
  double = await startLlmDouble();
});
afterEach(async () => {
  await double.close();
});

async function failure(p: Promise<unknown>): Promise<LlmError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LlmError);
  return err as LlmError;
}

/** The real openai client, through core's middleware (cache, retries, limiter, usage). */
function factory(settings: Record<string, unknown> = {}) {
  const hooks = createHooks();
  hooks.provider.for('openai').tap('provider:openai', () => createOpenAiProvider({ baseUrl: double.url }));
  const meter = new UsageMeter();
  const llm = createLlmFactory({ hooks, meter, settings: { backoffBaseMs: 1, backoffMaxMs: 2, ...settings } });
  return { llm, meter };
}

describe('provider:openai promptLogprobs (completions with echo + logprobs)', () => {
  it('sends echo, logprobs 1, max_tokens 1 and returns the prompt tokens only, the generated token cut off', async () => {
    const provider = createOpenAiProvider({ baseUrl: double.url });
    const r = await provider.promptLogprobs!('m', 'sort the list\nsort it', CALL);
    expect(r.tokens).toEqual(['sort', ' the', ' list', '\nsort', ' it']);
    expect(r.offsets).toEqual([0, 4, 8, 13, 18]);
    // Token 0 has no context; "sort" recurs (double: -0.5); the other words are new (in (-5, -2]).
    expect(r.logprobs[0]).toBeNull();
    expect(r.logprobs[3]).toBe(-0.5);
    for (const i of [1, 2, 4]) expect(r.logprobs[i]).toBeLessThanOrEqual(-2);
    expect(r.promptTokens).toBe(5);
    const sent = double.requests.find((q) => q.route === 'openai.completions')!.body as Record<string, unknown>;
    expect(sent).toMatchObject({ model: 'm', prompt: 'sort the list\nsort it', echo: true, logprobs: 1, max_tokens: 1, temperature: 0 });
  });

  it('turns code-point offsets into UTF-16 offsets (characters outside the BMP)', async () => {
    const provider = createOpenAiProvider({ baseUrl: double.url });
    const text = '😀 ok 😀 ok';
    const r = await provider.promptLogprobs!('m', text, CALL);
    expect(r.tokens).toEqual(['😀', ' ok', ' 😀', ' ok']);
    expect(r.offsets).toEqual([0, 2, 5, 8]);
    for (const [i, t] of r.tokens.entries()) expect(text.slice(r.offsets[i], r.offsets[i]! + t.length)).toBe(t);
  });

  it('reports unsupported when the server ignores echo, lacks the route or refuses echo', async () => {
    await double.close();
    double = await startLlmDouble({ completionsEcho: 'ignore' });
    const provider = createOpenAiProvider({ baseUrl: double.url });
    const ignored = await failure(provider.promptLogprobs!('m', 'a b c', CALL));
    expect(ignored.kind).toBe('unsupported');
    expect(ignored.message).toMatch(/did not echo the prompt's log-probabilities/);

    double.fault({ status: 404 }, COMPLETIONS);
    expect((await failure(provider.promptLogprobs!('m', 'a b', CALL))).kind).toBe('unsupported');
    double.fault({ status: 400, message: 'Only no echo is supported' }, COMPLETIONS);
    const refused = await failure(provider.promptLogprobs!('m', 'a b', CALL));
    expect(refused.kind).toBe('unsupported');
    expect(refused.message).toMatch(/Only no echo is supported/);
    expect(refused.retryable || refused.fatal).toBe(false);
  });

  it('keeps other failures as they are: an unknown model is not_found, a 400 about length is bad_request, a 500 server', async () => {
    await double.close();
    double = await startLlmDouble({ models: ['coder'] });
    const provider = createOpenAiProvider({ baseUrl: double.url });
    expect((await failure(provider.promptLogprobs!('other', 'a b', CALL))).kind).toBe('not_found');
    double.fault({ status: 400, message: "This model's maximum context length is 4096 tokens" }, COMPLETIONS);
    expect((await failure(provider.promptLogprobs!('coder', 'a b', CALL))).kind).toBe('bad_request');
    double.fault({ status: 500 }, COMPLETIONS);
    expect((await failure(provider.promptLogprobs!('coder', 'a b', CALL))).kind).toBe('server');
  });
});

describe('promptLogprobs through the middleware', () => {
  it('is cached apart from chat calls, retried on 5xx and counted in usage', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'logprobs-cache-'));
    const { llm, meter } = factory({ cacheDir });
    const client = llm('openai:m');
    expect(client.promptLogprobs).toBeTypeOf('function');
    double.fault({ status: 503 }, COMPLETIONS);
    const first = await client.promptLogprobs!('x y x', { plugin: 'selector:choose' });
    expect(double.count('openai.completions')).toBe(2);
    expect(first.usage).toMatchObject({ plugin: 'selector:choose', model: 'openai:m', promptTokens: 3, completionTokens: 1, cached: false });
    const again = await createLlmFactory({ hooks: (() => { const h = createHooks(); h.provider.for('openai').tap('p', () => createOpenAiProvider({ baseUrl: double.url })); return h; })(), meter: new UsageMeter(), settings: { cacheDir } })('openai:m').promptLogprobs!('x y x', { plugin: 'selector:choose' });
    expect(double.count('openai.completions')).toBe(2);
    expect(again.usage.cached).toBe(true);
    expect({ tokens: again.tokens, logprobs: again.logprobs, offsets: again.offsets }).toEqual({ tokens: first.tokens, logprobs: first.logprobs, offsets: first.offsets });
    // A chat call with the same text as its one user message is another request (another cache key).
    await client.complete({ messages: [{ role: 'user', content: 'x y x' }] }, { plugin: 'selector:choose' });
    expect(double.count('openai.chat')).toBe(1);
    expect(meter.byModel()['openai:m']).toMatchObject({ calls: 3 });
  });

  it('does not retry, cache or trip the breaker on unsupported: chat calls still go through', async () => {
    await double.close();
    double = await startLlmDouble({ completionsEcho: 'ignore' });
    const { llm } = factory({ cacheDir: mkdtempSync(join(tmpdir(), 'logprobs-cache-')) });
    const client = llm('openai:m');
    expect((await failure(client.promptLogprobs!('a b', { plugin: 'p' }))).kind).toBe('unsupported');
    expect((await failure(client.promptLogprobs!('a b', { plugin: 'p' }))).kind).toBe('unsupported');
    expect(double.count('openai.completions')).toBe(2);
    const reply = await client.complete({ messages: [{ role: 'user', content: 'hi' }] }, { plugin: 'p' });
    expect(reply.content).toMatch(/LLM double reply/);
  });

  it('under --dry-run scores synthetically without any request', async () => {
    const hooks = createHooks();
    hooks.provider.for('openai').tap('provider:openai', () => createOpenAiProvider({ baseUrl: double.url }));
    const llm = createLlmFactory({ hooks, meter: new UsageMeter(), dryRun: true });
    const r = await llm('openai:m').promptLogprobs!('abcdefghij', { plugin: 'p' });
    expect(r.offsets).toEqual([0, 4, 8]);
    expect(r.logprobs[0]).toBeNull();
    expect(double.count()).toBe(0);
    expect(llm.dryRunLog!.calls).toBe(1);
  });
});
