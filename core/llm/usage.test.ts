import { describe, expect, it } from 'vitest';
import { UsageMeter } from './usage.js';

describe('UsageMeter across processes', () => {
  it('tees every event into the meter its sink names at that moment, and nothing when it names none', () => {
    const run = new UsageMeter();
    const jobs = [new UsageMeter(), new UsageMeter()];
    let current: UsageMeter | undefined = jobs[0];
    run.teeTo(() => current);
    run.sent('openai:a');
    run.record({ plugin: 'p', model: 'openai:a', promptTokens: 10, completionTokens: 4, cached: false });
    current = jobs[1];
    run.record({ plugin: 'p', model: 'openai:a', promptTokens: 10, completionTokens: 4, cached: true }, { shared: true });
    run.billed('openai:a', { promptTokens: 2, completionTokens: 0 });
    current = undefined;
    run.sent('openai:a');
    expect(jobs[0]!.byModel()).toEqual({ 'openai:a': { calls: 1, cachedCalls: 0, sharedCalls: 0, promptTokens: 10, completionTokens: 4 } });
    expect(jobs[1]!.byModel()).toEqual({ 'openai:a': { calls: 0, cachedCalls: 0, sharedCalls: 1, promptTokens: 2, completionTokens: 0 } });
    expect(run.byModel()).toEqual({ 'openai:a': { calls: 2, cachedCalls: 0, sharedCalls: 1, promptTokens: 12, completionTokens: 4 } });
  });

  it('adds totals counted elsewhere, per model', () => {
    const m = new UsageMeter();
    m.sent('openai:a');
    m.add({ 'openai:a': { calls: 2, cachedCalls: 1, sharedCalls: 3, promptTokens: 5, completionTokens: 6 }, 'ollama:b': { calls: 1, cachedCalls: 0, promptTokens: 1, completionTokens: 1 } });
    expect(m.byModel()).toEqual({
      'ollama:b': { calls: 1, cachedCalls: 0, sharedCalls: 0, promptTokens: 1, completionTokens: 1 },
      'openai:a': { calls: 3, cachedCalls: 1, sharedCalls: 3, promptTokens: 5, completionTokens: 6 },
    });
  });
});
