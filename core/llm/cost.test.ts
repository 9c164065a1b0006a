import { describe, expect, it } from 'vitest';
import { runCost } from './cost.js';

describe('runCost', () => {
  it('prices tokens per million by model id and names the models without a price', () => {
    const usage = {
      'openai:gpt-4o-mini': { calls: 3, cachedCalls: 5, promptTokens: 2_000_000, completionTokens: 500_000 },
      'ollama:coder': { calls: 1, cachedCalls: 0, promptTokens: 10, completionTokens: 10 },
    };
    const cost = runCost(usage, { 'openai:gpt-4o-mini': { input: 0.15, output: 0.6 } })!;
    expect(cost.byModel['openai:gpt-4o-mini']).toBeCloseTo(0.3 + 0.3);
    expect(cost.total).toBeCloseTo(0.6);
    expect(cost.unpriced).toEqual(['ollama:coder']);
  });

  it('is undefined when no prices are configured', () => {
    expect(runCost({}, {})).toBeUndefined();
  });
});

describe('billed failures', () => {
  it('count the tokens of a failed attempt whose usage came back, in the usage and so in the cost', async () => {
    const { createHooks } = await import('../hooks.js');
    const { createLlmFactory } = await import('./factory.js');
    const { UsageMeter } = await import('./usage.js');
    const { LlmError } = await import('./types.js');
    const hooks = createHooks();
    let n = 0;
    hooks.provider.for('fake').tap('provider:fake', () => ({
      name: 'fake',
      endpoint: 'http://fake',
      async chat() {
        if (n++ === 0) throw new LlmError('server', 'a choice without content', { usage: { promptTokens: 100, completionTokens: 40 } });
        return { content: 'ok', promptTokens: 100, completionTokens: 10 };
      },
    }));
    const meter = new UsageMeter();
    const llm = createLlmFactory({ hooks, meter, defaultModel: 'fake:m', settings: { backoffBaseMs: 0, backoffMaxMs: 0 } });
    await llm().complete({ messages: [{ role: 'user', content: 'hi' }] }, { plugin: 'test' });
    expect(meter.total()).toMatchObject({ calls: 2, promptTokens: 200, completionTokens: 50 });
    expect(runCost(meter.byModel(), { 'fake:m': { input: 1, output: 10 } })!.total).toBeCloseTo((200 + 500) / 1e6);
  });
});
