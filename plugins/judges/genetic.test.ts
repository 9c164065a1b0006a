import { describe, expect, it } from 'vitest';
import { PluginTester, type MockReplyFn } from '../../core/testing/index.js';
import geneticJudge from './genetic.js';

const verdict = (scores: number[], correct: boolean): MockReplyFn => (req) =>
  req.schemaName === 'genetic_verdict'
    ? { scores: { instruction_clarity: scores[0], correctness: scores[1], completeness: scores[2], code_quality: scores[3] }, correct, reasons: [correct ? 'Solves the task.' : 'Misses the empty-input case.'] }
    : undefined;

const pair = { instruction: 'Write a Python function `add` that adds two integers.', response: '```python\ndef add(a, b):\n    return a + b\n```' };

describe('judge:genetic', () => {
  it('keeps a correct pair above the threshold, drops a low one and an incorrect one, with reasons', async () => {
    await new PluginTester().run(geneticJudge, {
      valid: [
        {
          ...pair,
          model: verdict([8, 9, 8, 7], true),
          check(kept) {
            const v = kept[0]!.scores.find((s) => s.judge === 'judge:genetic')!;
            expect(v.score).toBe(8);
            expect(v.dimensions).toMatchObject({ correctness: 9, correct: 1 });
            expect(v.rationale).toEqual(['Solves the task.']);
          },
        },
        { ...pair, model: verdict([8, 8, 8, 8], false), options: { requireCorrect: false } },
      ],
      invalid: [
        { ...pair, model: verdict([3, 4, 4, 3], true), error: { stage: 'verified', category: 'below_threshold', reason: /^score 3\.5 < 6/ } },
        { ...pair, model: verdict([9, 9, 9, 9], false), error: { stage: 'verified', category: 'incorrect', reason: 'judged incorrect: Misses the empty-input case.' } },
        { ...pair, model: verdict([7, 7, 7, 7], true), options: { threshold: 8 }, error: { category: 'below_threshold' } },
      ],
    });
  });

  it('sends the instruction and the response to the Judge model the options name', async () => {
    const seen: string[] = [];
    await new PluginTester().run(geneticJudge, {
      valid: [{ ...pair, options: { model: 'mock:judge' }, model: (req) => (req.schemaName === 'genetic_verdict' ? (seen.push(`${req.model}|${req.lastUser}`), verdict([8, 8, 8, 8], true)(req)) : undefined) }],
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^judge\|/);
    expect(seen[0]).toContain('adds two integers');
    expect(seen[0]).toContain('return a + b');
  });
});
