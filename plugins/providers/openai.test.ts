import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmError, type ChatRequest, type OutputSchema } from '../../core/index.js';
import { createHarness } from '../../core/testing/index.js';
import { startLlmDouble, type LlmDouble } from '../../test/double/index.js';
import openaiPlugin, { createOpenAiProvider } from './openai.js';

const VERDICT: OutputSchema = {
  name: 'verdict',
  jsonSchema: { type: 'object', properties: { score: { type: 'integer', minimum: 1, maximum: 10 } }, required: ['score'], additionalProperties: false },
};
const ASK: ChatRequest = { messages: [{ role: 'user', content: 'rate this code' }] };
const CALL = { timeoutMs: 2_000 };

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

/** A port nothing listens on: bind a free one, then release it. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('provider:openai', () => {
  it('registers a factory for the openai provider', async () => {
    const { hooks } = await createHarness([openaiPlugin]);
    expect(hooks.provider.get('openai')?.isUsed()).toBe(true);
    const provider = hooks.provider.for('openai').call({ baseUrl: double.url });
    expect(provider?.endpoint).toBe(double.url);
  });

  it('makes a plain call, mapping sampling parameters to the API names', async () => {
    const provider = createOpenAiProvider({ baseUrl: double.url }, {}, {});
    const out = await provider.chat('gpt-x', { ...ASK, temperature: 0.2, topP: 0.8, maxTokens: 256, seed: 11, stop: ['###'] }, CALL);
    expect(out.content).toContain('rate this code');
    expect(out.promptTokens).toBe(Math.ceil('rate this code'.length / 4));
    expect(out.completionTokens).toBe(Math.ceil(out.content.length / 4));
    expect(out.finishReason).toBe('stop');
    const body = double.requests[0]!.body as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'gpt-x', temperature: 0.2, top_p: 0.8, max_tokens: 256, seed: 11, stop: ['###'] });
    expect(body).not.toHaveProperty('response_format');
  });

  it('can send max_completion_tokens for reasoning models', async () => {
    const provider = createOpenAiProvider({ baseUrl: double.url }, { maxTokensField: 'max_completion_tokens' }, {});
    await provider.chat('o-model', { ...ASK, maxTokens: 99 }, CALL);
    const body = double.requests[0]!.body as Record<string, unknown>;
    expect(body.max_completion_tokens).toBe(99);
    expect(body).not.toHaveProperty('max_tokens');
  });

  it('asks for strict json_schema structured output', async () => {
    const provider = createOpenAiProvider({ baseUrl: double.url }, {}, {});
    const out = await provider.chat('gpt-x', { ...ASK, schema: VERDICT }, CALL);
    expect(JSON.parse(out.content)).toEqual({ score: 10 });
    expect(double.requests[0]!.responseFormat).toEqual({ type: 'json_schema', json_schema: { name: 'verdict', schema: VERDICT.jsonSchema, strict: true } });
  });

  it('takes the base URL from --base-url, then OPENAI_BASE_URL, and reads the key at call time', async () => {
    const env: NodeJS.ProcessEnv = { OPENAI_BASE_URL: double.url };
    const provider = createOpenAiProvider({}, {}, env);
    expect(provider.endpoint).toBe(double.url);
    expect(createOpenAiProvider({ baseUrl: 'http://other:1/v1' }, {}, env).endpoint).toBe('http://other:1/v1');
    await provider.chat('m', ASK, CALL);
    env.OPENAI_API_KEY = 'sk-rotated-key-000000';
    await provider.chat('m', ASK, CALL);
    expect(double.requests.map((r) => r.headers.authorization)).toEqual(['Bearer no-key-set', 'Bearer sk-rotated-key-000000']);
  });

  it('refuses to call api.openai.com without a key, naming the variable', async () => {
    const provider = createOpenAiProvider({}, {}, {});
    const err = await failure(provider.chat('gpt-4o', ASK, CALL));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('OPENAI_API_KEY');
  });

  it('maps 429 to rate_limit with retry-after or retry-after-ms in ms', async () => {
    const provider = createOpenAiProvider({ baseUrl: double.url }, {}, {});
    double.fault({ status: 429, retryAfter: 3 }).fault({ status: 429, retryAfterMs: 250 });
    const a = await failure(provider.chat('m', ASK, CALL));
    expect(a).toMatchObject({ kind: 'rate_limit', status: 429, retryAfterMs: 3000 });
    const b = await failure(provider.chat('m', ASK, CALL));
    expect(b).toMatchObject({ kind: 'rate_limit', retryAfterMs: 250 });
  });

  it('maps 5xx to server, 400 to bad_request, 404 to not_found with a hint', async () => {
    const provider = createOpenAiProvider({ baseUrl: double.url }, {}, {});
    double.fault({ status: 502 }).fault({ status: 400, message: 'bad sampling' }).fault({ status: 404 });
    expect((await failure(provider.chat('m', ASK, CALL))).kind).toBe('server');
    const bad = await failure(provider.chat('m', ASK, CALL));
    expect(bad.kind).toBe('bad_request');
    expect(bad.message).toContain('bad sampling');
    const missing = await failure(provider.chat('m', ASK, CALL));
    expect(missing.kind).toBe('not_found');
    expect(missing.hint).toContain(`${double.url}/models`);
  });

  it('maps a slow reply to timeout, a reset to connection and a broken body to server', async () => {
    const provider = createOpenAiProvider({ baseUrl: double.url }, {}, {});
    // Each fault matches its own prompt: under CPU load a timed-out request may never reach the
    // server, and must not leave its fault to the next request.
    const ask = (content: string): ChatRequest => ({ messages: [{ role: 'user', content }] });
    const is = (content: string) => (r: { messages?: Array<{ content: string }> }) => r.messages?.[0]?.content === content;
    double.fault({ delayMs: 1_000 }, is('slow')).fault({ reset: true }, is('reset')).fault({ malformed: 'body' }, is('broken'));
    const slow = await failure(provider.chat('m', ask('slow'), { timeoutMs: 100 }));
    expect(slow.kind).toBe('timeout');
    expect(slow.message).toContain('100 ms');
    expect((await failure(provider.chat('m', ask('reset'), CALL))).kind).toBe('connection');
    expect((await failure(provider.chat('m', ask('broken'), CALL))).kind).toBe('server');
  });

  it('maps connection refused to unreachable, naming the URL and how to fix it', async () => {
    const url = `http://127.0.0.1:${await deadPort()}/v1`;
    const err = await failure(createOpenAiProvider({ baseUrl: url }, {}, {}).chat('m', ASK, CALL));
    expect(err.kind).toBe('unreachable');
    expect(err.fatal).toBe(true);
    expect(err.message).toContain(url);
    expect(err.hint).toContain('is the server running? set OPENAI_BASE_URL or --base-url');
  });

  it('maps 401 to auth without any part of the key in message, hint, stack, JSON or inspect output', async () => {
    const key = 'sk-test-Zq8mV3xP0wL5nR2tY7';
    const locked = await startLlmDouble({ requireKey: 'sk-test-the-right-one-999' });
    try {
      const err = await failure(createOpenAiProvider({ baseUrl: locked.url }, {}, { OPENAI_API_KEY: key }).chat('m', ASK, CALL));
      expect(err.kind).toBe('auth');
      expect(err.hint).toContain('check OPENAI_API_KEY');
      // The double, like api.openai.com, echoed part of the key in its body: prove it reached us.
      expect(JSON.stringify(locked.requests[0]!.headers)).toContain(key);
      const surfaces = [err.message, err.hint ?? '', err.stack ?? '', JSON.stringify(err), inspect(err, { depth: 10 }), String(err.cause ?? '')].join('\n');
      for (let i = 0; i + 4 <= key.length; i++) {
        const part = key.slice(i, i + 4);
        if (/^(sk-t|k-te|-tes|test|est-)$/.test(part)) continue; // generic words, not secret
        expect(surfaces, `key fragment "${part}" leaked`).not.toContain(part);
      }
    } finally {
      await locked.close();
    }
  });
});
