import OpenAI, { toFile } from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLlmDouble, type LlmDouble } from './index.js';

let double: LlmDouble;
let openai: OpenAI;

beforeEach(async () => {
  double = await startLlmDouble({ requireKey: 'sk-batch-test' });
  openai = new OpenAI({ baseURL: double.url, apiKey: 'sk-batch-test', maxRetries: 0 });
});
afterEach(async () => double.close());

/** Upload `texts` as a batch input file (one chat request each) and create a batch over it. */
async function submit(texts: string[]) {
  const jsonl = texts.map((t, i) => JSON.stringify({ custom_id: `req-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'double-model', messages: [{ role: 'user', content: t }] } })).join('\n');
  const file = await openai.files.create({ file: await toFile(Buffer.from(jsonl), 'in.jsonl'), purpose: 'batch' });
  return openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
}

async function lines(fileId: string | null | undefined) {
  if (!fileId) return [];
  const text = await (await openai.files.content(fileId)).text();
  return text.trim().split('\n').map((l) => JSON.parse(l));
}

describe('LLM double: Files and Batch API, through the openai client', () => {
  it('answers each line with the chat routers, into the output file; planted failures go to the error file', async () => {
    double.reply((req) => `answer to ${req.lastUser}`);
    double.batchFault({ lineStatus: 429 });
    double.batchFault({ errorLine: true });
    const created = await submit(['one', 'two', 'three']);
    const done = await openai.batches.retrieve(created.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 3, completed: 1, failed: 2 });
    const out = await lines(done.output_file_id);
    expect(out.map((l) => [l.custom_id, l.response.status_code])).toEqual([['req-0', 429], ['req-2', 200]]);
    expect(out[1].response.body.choices[0].message.content).toBe('answer to three');
    const errors = await lines(done.error_file_id);
    expect(errors).toEqual([expect.objectContaining({ custom_id: 'req-1', response: null, error: expect.objectContaining({ code: 'server_error' }) })]);
    expect(double.count('openai.chat')).toBe(0);
  });

  it('keeps a held batch in progress, cancels it with its lines unrun, and expires the next batch after its completed lines', async () => {
    double.holdBatches(true);
    const held = await submit(['a', 'b']);
    expect((await openai.batches.retrieve(held.id)).status).toBe('in_progress');
    const cancelled = await openai.batches.cancel(held.id);
    expect(cancelled.status).toBe('cancelled');
    expect((await lines(cancelled.error_file_id)).map((l) => l.error.code)).toEqual(['batch_cancelled', 'batch_cancelled']);

    double.holdBatches(false);
    double.batchFault({ expire: true, completedLines: 1 });
    const expiring = await submit(['c', 'd']);
    const expired = await openai.batches.retrieve(expiring.id);
    expect(expired.status).toBe('expired');
    expect((await lines(expired.output_file_id)).map((l) => l.custom_id)).toEqual(['req-0']);
    expect((await lines(expired.error_file_id)).map((l) => [l.custom_id, l.error.code])).toEqual([['req-1', 'batch_expired']]);
    expect(double.batches.map((b) => b.status)).toEqual(['cancelled', 'expired']);
  });

  it('refuses an input file whose lines are not chat requests, and a batch without the key', async () => {
    const file = await openai.files.create({ file: await toFile(Buffer.from('{"custom_id":"x","method":"GET","url":"/v1/models"}\n'), 'bad.jsonl'), purpose: 'batch' });
    await expect(openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const noKey = new OpenAI({ baseURL: double.url, apiKey: 'wrong', maxRetries: 0 });
    await expect(noKey.batches.retrieve('batch_x')).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
