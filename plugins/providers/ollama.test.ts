import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmError, type ChatRequest, type OutputSchema } from '../../core/index.js';
import { createHarness } from '../../core/testing/index.js';
import { startLlmDouble, type LlmDouble } from '../../test/double/index.js';
import ollamaPlugin, { createOllamaProvider } from './ollama.js';

const VERDICT: OutputSchema = {
  name: 'verdict',
  jsonSchema: { type: 'object', properties: { score: { type: 'integer', minimum: 1, maximum: 10 }, why: { type: 'string' } }, required: ['score', 'why'], additionalProperties: false },
};
const ASK: ChatRequest = { messages: [{ role: 'system', content: 'you judge code' }, { role: 'user', content: 'rate this' }] };
const CALL = { timeoutMs: 2_000 };
const MODEL = 'qwen2.5-coder:7b';

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

describe('provider:ollama', () => {
  it('registers a factory for the ollama provider', async () => {
    const { hooks } = await createHarness([ollamaPlugin]);
    expect(hooks.provider.get('ollama')?.isUsed()).toBe(true);
    expect(hooks.provider.for('ollama').call({ baseUrl: double.ollamaUrl })?.endpoint).toBe(double.ollamaUrl);
  });

  it('makes a plain call with sampling in options and eval counts as tokens', async () => {
    const provider = createOllamaProvider({ baseUrl: double.ollamaUrl }, {}, {});
    const out = await provider.chat(MODEL, { ...ASK, temperature: 0.1, topP: 0.7, maxTokens: 128, seed: 5, stop: ['</s>'] }, CALL);
    expect(out.content).toContain('rate this');
    expect(out.promptTokens).toBe(Math.ceil('you judge code\nrate this'.length / 4));
    expect(out.completionTokens).toBe(Math.ceil(out.content.length / 4));
    const body = double.requests[0]!.body as Record<string, unknown>;
    expect(body).toMatchObject({ model: MODEL, stream: false, options: { temperature: 0.1, top_p: 0.7, num_predict: 128, seed: 5, stop: ['</s>'] } });
    expect(body).not.toHaveProperty('format');
  });

  it('sends the JSON Schema as format for structured output', async () => {
    const provider = createOllamaProvider({ baseUrl: double.ollamaUrl }, {}, {});
    const out = await provider.chat(MODEL, { ...ASK, schema: VERDICT }, CALL);
    expect(JSON.parse(out.content)).toMatchObject({ score: 10 });
    expect(double.requests[0]!.format).toEqual(VERDICT.jsonSchema);
  });

  it('takes the host from --base-url, then the plugin option, then OLLAMA_HOST, then the default', () => {
    expect(createOllamaProvider({}, {}, {}).endpoint).toBe('http://127.0.0.1:11434');
    expect(createOllamaProvider({}, {}, { OLLAMA_HOST: 'gpu-box:11500' }).endpoint).toBe('http://gpu-box:11500');
    expect(createOllamaProvider({}, {}, { OLLAMA_HOST: 'gpu-box' }).endpoint).toBe('http://gpu-box:11434');
    expect(createOllamaProvider({}, { host: 'http://opt:1' }, { OLLAMA_HOST: 'env:2' }).endpoint).toBe('http://opt:1');
    expect(createOllamaProvider({ baseUrl: 'http://flag:3' }, { host: 'http://opt:1' }, {}).endpoint).toBe('http://flag:3');
    expect(createOllamaProvider({ baseUrl: 'http://user:secret@proxy:3' }, {}, {}).endpoint).not.toContain('secret');
  });

  it('maps 429 with retry-after, 5xx, 404 (with a pull hint) and 400', async () => {
    const provider = createOllamaProvider({ baseUrl: double.ollamaUrl }, {}, {});
    double.fault({ status: 429, retryAfter: 1.5 }).fault({ status: 503 }).fault({ status: 404 }).fault({ status: 400 });
    expect(await failure(provider.chat(MODEL, ASK, CALL))).toMatchObject({ kind: 'rate_limit', retryAfterMs: 1500 });
    expect((await failure(provider.chat(MODEL, ASK, CALL))).kind).toBe('server');
    const missing = await failure(provider.chat(MODEL, ASK, CALL));
    expect(missing.kind).toBe('not_found');
    expect(missing.hint).toContain(`ollama pull ${MODEL}`);
    expect((await failure(provider.chat(MODEL, ASK, CALL))).kind).toBe('bad_request');
  });

  it('maps an unknown model on a real-shaped server to not_found', async () => {
    const strict = await startLlmDouble({ models: ['llama3'] });
    try {
      const err = await failure(createOllamaProvider({ baseUrl: strict.ollamaUrl }, {}, {}).chat(MODEL, ASK, CALL));
      expect(err.kind).toBe('not_found');
      expect(err.message).toContain(MODEL);
    } finally {
      await strict.close();
    }
  });

  it('maps a slow reply to timeout and a reset to connection', async () => {
    const provider = createOllamaProvider({ baseUrl: double.ollamaUrl }, {}, {});
    // Each fault matches its own prompt (a timed-out request may never reach a loaded server).
    const ask = (content: string): ChatRequest => ({ messages: [{ role: 'user', content }] });
    const is = (content: string) => (r: { messages?: Array<{ content: string }> }) => r.messages?.[0]?.content === content;
    double.fault({ delayMs: 1_000 }, is('slow')).fault({ reset: true }, is('reset'));
    const slow = await failure(provider.chat(MODEL, ask('slow'), { timeoutMs: 100 }));
    expect(slow.kind).toBe('timeout');
    expect((await failure(provider.chat(MODEL, ask('reset'), CALL))).kind).toBe('connection');
  });

  it('maps connection refused to unreachable with the URL and `ollama serve` / `ollama pull` hints', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const url = `http://127.0.0.1:${port}`;
    const err = await failure(createOllamaProvider({ baseUrl: url }, {}, {}).chat(MODEL, ASK, CALL));
    expect(err.kind).toBe('unreachable');
    expect(err.message).toContain(url);
    expect(err.hint).toContain('ollama serve');
    expect(err.hint).toContain(`ollama pull ${MODEL}`);
  });

  it('sends a host\'s user-info as Basic authorization and never names it', async () => {
    const keyed = double.ollamaUrl.replace('http://', 'http://proxy:PW-ollama-0042@');
    const provider = createOllamaProvider({ baseUrl: keyed });
    expect(provider.endpoint).toBe(double.ollamaUrl);
    await provider.chat(MODEL, { messages: [{ role: 'user', content: 'hi' }] }, { timeoutMs: 5_000 });
    expect(double.chatRequests()[0]!.headers.authorization).toBe(`Basic ${Buffer.from('proxy:PW-ollama-0042').toString('base64')}`);
    double.fault({ status: 500, message: 'proxy saw PW-ollama-0042' });
    const err = await failure(provider.chat(MODEL, { messages: [{ role: 'user', content: 'hi' }] }, { timeoutMs: 5_000 }));
    expect(err.message).not.toContain('PW-ollama-0042');
  });

  it('a host that is no URL fails every call fatally, naming it', async () => {
    const err = await failure(createOllamaProvider({ baseUrl: 'http://[bad' }).chat(MODEL, { messages: [{ role: 'user', content: 'hi' }] }, { timeoutMs: 1_000 }));
    expect(err).toMatchObject({ kind: 'unreachable', fatal: true });
    expect(err.message).toContain('http://[bad');
  });
});
