import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecord, type Seed } from '../../core/index.js';
import { createHarness, MockModel, PluginTester, type MockRequest } from '../../core/testing/index.js';
import { startLlmDouble, type LlmDouble } from '../../test/double/index.js';
import openaiProvider from '../providers/openai.js';
import chat from './chat.js';

const INSTRUCTION = 'Write a Python function `clamp(x, lo, hi)` that limits x to the closed range [lo, hi].';
const ANSWER = '```python\ndef clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n```';

/** Answers plain (non-structured) calls only: the responder's. */
const plain = (reply: string) => (req: MockRequest) => (req.json ? undefined : reply);

describe('responder:chat', () => {
  let double: LlmDouble;
  beforeAll(async () => {
    double = await startLlmDouble();
  });
  afterAll(async () => double?.close());

  it('makes the reply the assistant turn, and refuses empty replies (PluginTester)', async () => {
    await new PluginTester().run(chat, {
      valid: [
        {
          name: 'reply becomes the assistant turn',
          instruction: INSTRUCTION,
          model: plain(ANSWER),
          check(kept) {
            expect(kept).toHaveLength(1);
            expect(kept[0]!.messages).toEqual([
              { role: 'user', content: INSTRUCTION },
              { role: 'assistant', content: ANSWER },
            ]);
            expect(kept[0]!.usage.map((u) => u.plugin)).toContain('responder:chat');
          },
        },
        {
          name: 'keepSystemPrompt keeps the responder system prompt first',
          instruction: INSTRUCTION,
          options: { keepSystemPrompt: true },
          model: plain(ANSWER),
          check(kept) {
            expect(kept[0]!.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
            expect(kept[0]!.messages[0]!.content.length).toBeGreaterThan(0);
          },
        },
      ],
      invalid: [
        { name: 'empty reply', model: plain(''), error: { stage: 'responded', category: 'error', reason: 'the model returned an empty response' } },
        { name: 'whitespace-only reply', model: plain(' \n\t\n'), error: { stage: 'responded', reason: 'the model returned an empty response' } },
      ],
    });
  });

  // The MockModel always reports finishReason "stop"; the HTTP double truncates at max_tokens and
  // says "length", as a real server does, so these cases go through provider:openai and the double.
  const viaDouble = () => {
    double.reset();
    double.reply((req) => (req.schemaName ? undefined : ANSWER));
    return new PluginTester({ plugins: [[openaiProvider, { baseUrl: double.url }]] });
  };
  const CUT = { name: 'cut at maxTokens', instruction: INSTRUCTION, options: { model: 'openai:double-model', maxTokens: 5 } };

  it('answers through a real provider; the double cuts a long reply at maxTokens with finish_reason length', async () => {
    const tester = viaDouble();
    await tester.run(chat, { valid: [{ name: 'within maxTokens', instruction: INSTRUCTION, options: { model: 'openai:double-model' }, check: (kept) => expect(kept[0]!.messages.at(-1)!.content).toBe(ANSWER) }] });
    await (await tester.runCase(chat, CUT)).dispose();
    const sent = double.requests.filter((r) => r.route === 'openai.chat');
    expect(sent.map((r) => r.maxTokens)).toEqual([2048, 5]);
    expect(sent[1]!.reply).toBe(ANSWER.slice(0, 20));
  });

  it('refuses a reply cut off at maxTokens', async () => {
    await viaDouble().run(chat, {
      invalid: [{ ...CUT, error: { stage: 'responded', category: 'error', reason: 'the response was cut off at maxTokens (5); raise responder:chat maxTokens' } }],
    });
  });

  it('sends the instruction through its template with its sampling settings', async () => {
    const model = new MockModel().reply(plain(ANSWER));
    const h = await createHarness([[chat, { temperature: 0.1, maxTokens: 300 }]], { model });
    const seed: Seed = { id: 's1', language: 'python', code: 'x = 1', source: { path: 'a.py' }, kind: 'function', meta: {} };
    const record = createRecord({ seed, strategy: 'strategy:test', messages: [{ role: 'user', content: INSTRUCTION }] });
    const turns = await h.respond(record);
    expect(turns).toEqual([{ role: 'assistant', content: ANSWER }]);
    expect(record.messages).toEqual([{ role: 'user', content: INSTRUCTION }]);
    expect(model.requests).toHaveLength(1);
    expect(model.requests[0]).toMatchObject({ lastUser: INSTRUCTION, json: false, temperature: 0.1, maxTokens: 300 });
    expect(model.requests[0]!.system.length).toBeGreaterThan(0);
  });

  it('names the language in its system prompt, and asks a plain-text pool row (language text) as a general assistant', async () => {
    const model = new MockModel().reply(plain(ANSWER));
    const h = await createHarness([[chat, {}]], { model });
    for (const language of ['python', 'text']) {
      const seed: Seed = { id: `s-${language}`, language, code: 'x', source: { path: 'pool.jsonl' }, kind: 'function', meta: {} };
      await h.respond(createRecord({ seed, strategy: 'strategy:test', messages: [{ role: 'user', content: INSTRUCTION }] }));
    }
    const [python, text] = model.requests.map((r) => r.system);
    expect(python).toContain('expert python programmer');
    expect(text).not.toContain('text programmer');
    expect(text).toContain('fenced Markdown code blocks');
  });
});
