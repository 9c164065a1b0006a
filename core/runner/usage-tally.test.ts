import { describe, expect, it } from 'vitest';
import { UsageMeter } from '../llm/usage.js';
import { UsageTally } from './usage-tally.js';

describe('UsageTally', () => {
  it('leaves attempts not answered yet out of the checkpoint, and counts them in the totals', () => {
    const meter = new UsageMeter();
    const tally = new UsageTally({ 'openai:m': { calls: 10, cachedCalls: 2, promptTokens: 100, completionTokens: 50 } }, meter);
    const first = meter.sending('openai:m');
    meter.sending('openai:m');
    meter.sent('openai:m'); // a batch line: counted when submitted, not tracked as unanswered
    expect(tally.totals()['openai:m']!.calls).toBe(13);
    // Two requests may still be on their way out: a kill now must not count them before the resume makes them again.
    expect((tally.state() as Record<string, { calls: number }>)['openai:m']!.calls).toBe(11);
    first();
    first(); // calling it again changes nothing
    expect((tally.state() as Record<string, { calls: number }>)['openai:m']!.calls).toBe(12);
    expect(meter.unanswered()).toEqual({ 'openai:m': 1 });
    expect(tally.totals()['openai:m']!.calls).toBe(13);
  });
});
