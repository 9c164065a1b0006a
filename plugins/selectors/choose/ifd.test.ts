import { describe, expect, it } from 'vitest';
import { LlmError, type PluginLlmClient, type PromptLogprobs, type Seed } from '../../../core/index.js';
import { createTemplateRenderer } from '../../../core/templates.js';
import { doubleLogprobs } from '../../../test/double/index.js';
import { chooseReply } from '../../providers/mock/scripted-choose.js';
import { firstExchange, HARDNESS_FALLBACK, HARDNESS_IFD, HardnessMeter, ifdFrom, spanLoss } from './ifd.js';

const templates = createTemplateRenderer();
const OPTIONS = { promptTemplate: 'choose-ifd/prompt.jinja', maxResponseChars: 6000, maxTokens: 256 };

function seed(instruction: string, response?: string): Seed {
  const messages = [{ role: 'user' as const, content: instruction }, ...(response ? [{ role: 'assistant' as const, content: response }] : [])];
  return { id: instruction, language: 'text', code: instruction, source: { path: 'pool.jsonl', line: 1 }, kind: 'record', meta: {}, messages };
}

/** A client double: prompt scoring by the test double's rule (or a given function), ratings by the scripted mock. */
function client(opts: { logprobs?: ((text: string) => Promise<PromptLogprobs>) | 'none' } = {}) {
  const scored: string[] = [];
  const rated: string[] = [];
  const usage = { plugin: 'selector:choose', model: 'openai:m', promptTokens: 1, completionTokens: 0, cached: false };
  const score = opts.logprobs === 'none' ? undefined : (opts.logprobs ?? (async (t: string) => doubleLogprobs(t)));
  const c: PluginLlmClient = {
    modelId: 'openai:m',
    complete: async () => {
      throw new Error('not used');
    },
    structured: async (request, output) => {
      const lastUser = request.messages.at(-1)!.content;
      rated.push(lastUser);
      return { value: output.validate(chooseReply({ schemaName: output.schema.name, lastUser })), usage: [] };
    },
    ...(score
      ? {
          promptLogprobs: async (text: string) => {
            scored.push(text);
            return { ...(await score(text)), usage };
          },
        }
      : {}),
  };
  return { c, scored, rated };
}

function logger() {
  const warnings: string[] = [];
  return { log: { info: () => undefined, debug: () => undefined, warn: (m: string) => warnings.push(m) }, warnings };
}

describe('IFD math', () => {
  // Prefix "Q: x\n" (5 characters), response "yes no".
  const conditioned: PromptLogprobs = { tokens: ['Q:', ' x', '\n', 'yes', ' no'], offsets: [0, 2, 4, 5, 8], logprobs: [null, -1, -1, -0.5, -1.5] };
  const direct: PromptLogprobs = { tokens: ['yes', ' no'], offsets: [0, 3], logprobs: [null, -2] };

  it('takes the mean NLL of the tokens starting in the response span, skipping null logprobs', () => {
    expect(spanLoss(conditioned, 5)).toEqual({ loss: 1, tokens: 2 });
    expect(spanLoss(direct, 0)).toEqual({ loss: 2, tokens: 1 });
    expect(spanLoss({ tokens: ['a'], offsets: [0], logprobs: [null] }, 0)).toBeUndefined();
  });

  it('IFD = conditioned loss / direct loss', () => {
    expect(ifdFrom(conditioned, 5, direct)).toEqual({ ifd: 0.5, conditionedLoss: 1, directLoss: 2, tokens: 2 });
  });

  it('leaves out a token that starts before the response and merges into it', () => {
    const merged: PromptLogprobs = { tokens: ['Q:', ' x', '\nyes', ' no'], offsets: [0, 2, 4, 8], logprobs: [null, -1, -9, -1.5] };
    expect(ifdFrom(merged, 5, direct)).toMatchObject({ ifd: 0.75, tokens: 1 });
  });

  it('has no value when the direct loss is zero or a span is unscored', () => {
    expect(ifdFrom(conditioned, 5, { tokens: ['yes', ' no'], offsets: [0, 3], logprobs: [null, 0] })).toBeUndefined();
    expect(ifdFrom(conditioned, 99, direct)).toBeUndefined();
  });

  it('reads the first instruction and the response to it', () => {
    const s = seed('q1', 'a1');
    s.messages!.push({ role: 'user', content: 'q2' }, { role: 'assistant', content: 'a2' });
    expect(firstExchange(s)).toEqual({ instruction: 'q1', response: 'a1' });
    expect(firstExchange({ ...s, messages: undefined, code: 'just code' })).toEqual({ instruction: 'just code' });
  });
});

describe('HardnessMeter', () => {
  it('measures IFD from two scorings: the rendered chat prompt + response, and the response alone', async () => {
    const { c, scored } = client();
    const { log, warnings } = logger();
    const meter = new HardnessMeter(c, templates, log, OPTIONS);
    const related = await meter.measure(seed('sort the list of numbers', 'sort numbers: the list sorted'));
    const unrelated = await meter.measure(seed('say hello', 'quantum tunnelling explains beta decay rates'));
    expect(meter.method()).toBe(HARDNESS_IFD);
    expect(warnings).toEqual([]);
    expect(scored[0]).toBe('<|im_start|>user\nsort the list of numbers<|im_end|>\n<|im_start|>assistant\nsort numbers: the list sorted');
    expect(scored[1]).toBe('sort numbers: the list sorted');
    if (related.kind !== 'ifd' || unrelated.kind !== 'ifd') throw new Error('expected IFD values');
    // The double makes words seen earlier cheap: the instruction helps the related response only.
    expect(related.value.ifd).toBeLessThan(0.8);
    expect(unrelated.value.ifd).toBeGreaterThan(0.9);
    // 5 response words; the double's first response token is "\nsort" (it starts in the prompt), so 4 count.
    expect(related.value.tokens).toBe(4);
  });

  it('falls back to the LLM rating, warning once, when the provider has no prompt logprobs', async () => {
    const { c, rated } = client({ logprobs: 'none' });
    const { log, warnings } = logger();
    const meter = new HardnessMeter(c, templates, log, OPTIONS);
    const h = await meter.measure(seed('Write a recursive parser; it must handle edge cases and validate input efficiently', 'ok'));
    await meter.measure(seed('hi', 'hello'));
    expect(h).toMatchObject({ kind: 'rating' });
    expect(meter.method()).toBe(HARDNESS_FALLBACK);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/llm-rating \(fallback: endpoint has no prompt logprobs\).*offers no prompt log-probabilities/);
    expect(rated).toHaveLength(2);
    expect(rated[0]).toMatch(/Instruction:\n"""\nWrite a recursive parser/);
  });

  it('falls back when the endpoint refuses (unsupported), probing once while other seeds wait', async () => {
    let calls = 0;
    const { c, rated } = client({
      logprobs: async () => {
        calls++;
        throw new LlmError('unsupported', 'openai at http://x/v1 did not echo the prompt');
      },
    });
    const { log, warnings } = logger();
    const meter = new HardnessMeter(c, templates, log, OPTIONS);
    const all = await Promise.all(['a b', 'c d', 'e f'].map((q) => meter.measure(seed(q, 'r'))));
    expect(all.map((h) => h.kind)).toEqual(['rating', 'rating', 'rating']);
    expect(calls).toBeLessThanOrEqual(2); // the probe's two scorings, nothing after
    expect(rated).toHaveLength(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/did not echo the prompt/);
  });

  it('lets other failures through (a fatal endpoint error is no reason to switch methods)', async () => {
    const { c } = client({
      logprobs: async () => {
        throw new LlmError('endpoint_unavailable', 'down');
      },
    });
    const meter = new HardnessMeter(c, templates, logger().log, OPTIONS);
    await expect(meter.measure(seed('a', 'b'))).rejects.toMatchObject({ kind: 'endpoint_unavailable' });
  });

  it('has no IFD for a seed without a response, but still decides the method', async () => {
    const { c, scored } = client();
    const meter = new HardnessMeter(c, templates, logger().log, OPTIONS);
    expect(await meter.measure(seed('only a question'))).toEqual({ kind: 'none', why: 'no response to score' });
    expect(meter.method()).toBe(HARDNESS_IFD);
    expect(scored).toEqual(['Hello world']);
  });
});
