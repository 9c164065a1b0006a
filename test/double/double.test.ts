import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLlmDouble, type LlmDouble } from './index.js';

const SCHEMA = {
  type: 'object',
  properties: {
    score: { type: 'integer', minimum: 1, maximum: 10 },
    verdict: { type: 'string', enum: ['keep', 'drop'] },
    notes: { type: 'array', items: { type: 'string' }, minItems: 2 },
  },
  required: ['score', 'verdict', 'notes'],
  additionalProperties: false,
};

let double: LlmDouble;
let openai: OpenAI;
let ollama: Ollama;

beforeEach(async () => {
  double = await startLlmDouble();
  openai = new OpenAI({ baseURL: double.url, apiKey: 'sk-test-key-for-double', maxRetries: 0 });
  ollama = new Ollama({ host: double.ollamaUrl });
});
afterEach(async () => {
  await double.close();
});

describe('LLM double: OpenAI surface, through the openai client', () => {
  it('answers a plain chat with usage computed as chars/4 and records the request', async () => {
    const res = await openai.chat.completions.create({
      model: 'gpt-x',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'write a haiku' },
      ],
      temperature: 0.3,
      top_p: 0.9,
      seed: 7,
      max_tokens: 100,
      stop: ['END'],
    });
    const content = res.choices[0]!.message.content!;
    expect(content).toContain('write a haiku');
    expect(res.usage!.prompt_tokens).toBe(Math.ceil('be brief\nwrite a haiku'.length / 4));
    expect(res.usage!.completion_tokens).toBe(Math.ceil(content.length / 4));
    const [req] = double.requests;
    expect(req).toMatchObject({ route: 'openai.chat', api: 'openai', model: 'gpt-x', temperature: 0.3, topP: 0.9, seed: 7, maxTokens: 100, stop: ['END'], status: 200 });
    expect(req!.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'write a haiku' },
    ]);
    expect(req!.headers.authorization).toBe('Bearer sk-test-key-for-double');
  });

  it('gives a schema-valid default reply to a json_schema request', async () => {
    const res = await openai.chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'judge this' }],
      response_format: { type: 'json_schema', json_schema: { name: 'verdict', schema: SCHEMA, strict: true } },
    });
    const value = JSON.parse(res.choices[0]!.message.content!);
    expect(value.score).toBe(10);
    expect(value.verdict).toBe('keep');
    expect(value.notes).toHaveLength(2);
    expect(double.requests[0]).toMatchObject({ schemaName: 'verdict', schema: SCHEMA });
  });

  it('lets routers answer in order, with undefined falling through', async () => {
    const seen: string[] = [];
    double.reply((req) => {
      seen.push(`first:${req.n}`);
      return undefined;
    });
    const remove = double.reply((req) => (req.lastUser === 'json please' ? { ok: true, model: req.model } : `text for ${req.lastUser}`));
    const a = await openai.chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'json please' }] });
    const b = await openai.chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] });
    expect(JSON.parse(a.choices[0]!.message.content!)).toEqual({ ok: true, model: 'm1' });
    expect(b.choices[0]!.message.content).toBe('text for hi');
    remove();
    const c = await openai.chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] });
    expect(c.choices[0]!.message.content).toContain('LLM double reply');
    expect(seen).toEqual(['first:1', 'first:2', 'first:3']);
  });

  it('truncates at max_tokens with finish_reason length', async () => {
    double.reply(() => 'x'.repeat(100));
    const res = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }], max_tokens: 5 });
    expect(res.choices[0]!.message.content).toBe('x'.repeat(20));
    expect(res.choices[0]!.finish_reason).toBe('length');
  });

  it('injects faults in order, each for `times` matching requests, with retry-after headers', async () => {
    double.fault({ status: 429, retryAfter: 2, times: 2 }).fault({ status: 503 });
    const statuses: Array<number | undefined> = [];
    const retryAfter: Array<string | null | undefined> = [];
    for (let i = 0; i < 4; i++) {
      try {
        await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] });
        statuses.push(200);
      } catch (err) {
        statuses.push((err as InstanceType<typeof OpenAI.APIError>).status);
        retryAfter.push((err as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after'));
      }
    }
    expect(statuses).toEqual([429, 429, 503, 200]);
    expect(retryAfter).toEqual(['2', '2', null]);
    expect(double.pendingFaults()).toBe(0);
    expect(double.count('openai.chat')).toBe(4);
  });

  it('applies a fault only to matching requests', async () => {
    double.fault({ status: 500 }, { model: 'other' });
    await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] });
    await expect(openai.chat.completions.create({ model: 'other', messages: [{ role: 'user', content: 'q' }] })).rejects.toMatchObject({ status: 500 });
  });

  it('destroys the socket on a reset fault', async () => {
    double.fault({ reset: true });
    await expect(openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] })).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    expect(double.requests[0]!.status).toBeUndefined();
  });

  it('sends truncated JSON content on a malformed fault', async () => {
    double.fault({ malformed: true });
    const res = await openai.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'q' }],
      response_format: { type: 'json_schema', json_schema: { name: 'v', schema: SCHEMA, strict: true } },
    });
    expect(() => JSON.parse(res.choices[0]!.message.content!)).toThrow();
  });

  it('rejects a wrong key with 401 and an OpenAI-shaped error body', async () => {
    const locked = await startLlmDouble({ requireKey: 'sk-test-right-key-123456' });
    try {
      const wrong = new OpenAI({ baseURL: locked.url, apiKey: 'sk-test-wrong-key-987654', maxRetries: 0 });
      const err = await wrong.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((err as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'invalid_api_key', type: 'invalid_request_error' });
      const right = new OpenAI({ baseURL: locked.url, apiKey: 'sk-test-right-key-123456', maxRetries: 0 });
      const ok = await right.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] });
      expect(ok.choices[0]!.message).toMatchObject({ role: 'assistant', content: expect.any(String) });
    } finally {
      await locked.close();
    }
  });

  it('lists its models, and 404s unknown ones when a model list is given', async () => {
    const strict = await startLlmDouble({ models: ['known'] });
    try {
      const client = new OpenAI({ baseURL: strict.url, apiKey: 'k', maxRetries: 0 });
      const list = await client.models.list();
      expect(list.data.map((m) => m.id)).toEqual(['known']);
      await expect(client.chat.completions.create({ model: 'unknown', messages: [{ role: 'user', content: 'q' }] })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    } finally {
      await strict.close();
    }
  });

  it('answers 400 to a malformed request body like a real server', async () => {
    const res = await fetch(`${double.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [] }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('messages');
  });
});

describe('LLM double: Ollama surface, through the ollama client', () => {
  it('answers /api/chat with format schema, options and eval counts', async () => {
    const res = await ollama.chat({
      model: 'qwen2.5-coder:7b',
      messages: [{ role: 'user', content: 'rate it' }],
      format: SCHEMA,
      options: { temperature: 0, top_p: 0.5, num_predict: 64, seed: 3, stop: ['\n\n'] },
    });
    const value = JSON.parse(res.message.content);
    expect(value).toMatchObject({ score: 10, verdict: 'keep' });
    expect(res.prompt_eval_count).toBe(Math.ceil('rate it'.length / 4));
    expect(res.eval_count).toBe(Math.ceil(res.message.content.length / 4));
    expect(double.requests[0]).toMatchObject({ route: 'ollama.chat', api: 'ollama', model: 'qwen2.5-coder:7b', temperature: 0, topP: 0.5, maxTokens: 64, seed: 3, stop: ['\n\n'], schema: SCHEMA });
  });

  it('answers a streamed chat with one final chunk', async () => {
    const chunks: string[] = [];
    for await (const part of await ollama.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true })) chunks.push(part.message.content);
    expect(chunks.join('')).toContain('hi');
  });

  it('serves /api/tags and /api/show, and 404s an unknown model like Ollama', async () => {
    const strict = await startLlmDouble({ models: ['llama3'] });
    try {
      const client = new Ollama({ host: strict.ollamaUrl });
      expect((await client.list()).models.map((m) => m.name)).toEqual(['llama3']);
      expect((await client.show({ model: 'llama3' })).details.family).toBe('double');
      const err = await client.chat({ model: 'missing', messages: [{ role: 'user', content: 'q' }] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ status_code: 404 });
      expect((err as Error).message).toContain('try pulling it first');
    } finally {
      await strict.close();
    }
  });

  it('returns an Ollama-shaped error for an injected status', async () => {
    double.fault({ status: 500, message: 'boom' }, { api: 'ollama' });
    await expect(ollama.chat({ model: 'm', messages: [{ role: 'user', content: 'q' }] })).rejects.toMatchObject({ status_code: 500, message: 'boom' });
  });
});
