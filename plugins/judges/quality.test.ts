import { describe, expect, it } from 'vitest';
import { createRecord, type JudgeVerdict, type Seed } from '../../core/index.js';
import { createHarness, MockModel, PluginTester, type MockRequest } from '../../core/testing/index.js';
import quality, { QUALITY_DIMENSIONS } from './quality.js';

const KEYS = QUALITY_DIMENSIONS.map((d) => d.key);

/** The same score on every dimension. */
const flat = (s: number) => Object.fromEntries(KEYS.map((k) => [k, s]));

/**
 * Scores that differ per judgment and per dimension: judgment with sampling seed s gives dimension j
 * `5 + s + j % 3`, so over seeds 0, 1, 2 dimension j averages `6 + j % 3` (6, 7, 8, 6, 7, 8, 6) and
 * the problem scores 48/7. A judge that ignored a judgment or reused one seed would score otherwise.
 */
const varied = (req: MockRequest) => Object.fromEntries(KEYS.map((k, j) => [k, 5 + (req.seed ?? 0) + (j % 3)]));
const VARIED_DIMENSIONS = Object.fromEntries(KEYS.map((k, j) => [k, 6 + (j % 3)]));

const verdictRoute = (scores: (req: MockRequest) => Record<string, unknown>) => (req: MockRequest) =>
  req.schemaName === 'quality_verdict' ? { scores: scores(req), rationale: `judgment with seed ${req.seed}` } : undefined;

const PROBLEM = 'Write a Python function `merge_intervals(intervals)` that merges overlapping closed intervals and returns them sorted by start.';

describe('judge:quality', () => {
  it('keeps problems whose mean score reaches the threshold and drops the others with their scores (PluginTester)', async () => {
    const model = new MockModel().reply(verdictRoute(varied));
    await new PluginTester({ model }).run(quality, {
      valid: [
        {
          name: 'mean of three judgments over seven dimensions',
          instruction: PROBLEM,
          check(kept) {
            const [v] = kept[0]!.scores as JudgeVerdict[];
            expect(kept[0]!.scores).toHaveLength(1);
            expect(v).toMatchObject({ judge: 'judge:quality', model: 'mock:test', threshold: 6, passed: true, judgments: 3, dimensions: VARIED_DIMENSIONS });
            expect(v!.score).toBeCloseTo(48 / 7, 10);
            expect(v!.rationale).toEqual(['judgment with seed 0', 'judgment with seed 1', 'judgment with seed 2']);
          },
        },
        { name: 'a mean exactly at the threshold is kept', model: verdictRoute(() => flat(6)) },
      ],
      invalid: [
        {
          name: 'low scores',
          model: verdictRoute(() => flat(3)),
          error: {
            stage: 'judged',
            category: 'below_threshold',
            reason: 'score 3 < 6 (specificity 3, domain_knowledge 3, complexity 3, problem_solving 3, creativity 3, technical_accuracy 3, practical_application 3)',
          },
        },
        {
          name: 'a raised threshold',
          options: { threshold: 8 },
          error: { stage: 'judged', category: 'below_threshold', reason: /^score 6\.86 < 8 \(specificity 6, domain_knowledge 7, complexity 8, problem_solving 6, creativity 7, technical_accuracy 8, practical_application 6\)$/ },
        },
        {
          name: 'scores outside 1-10 never validate',
          model: verdictRoute(() => flat(11)),
          error: { stage: 'judged', category: 'invalid_output', reason: /^invalid_output: .*"quality_verdict".*did not validate/ },
        },
      ],
    });
    // The two cases without their own route reached this model, three judgments each, seeds 0, 1, 2.
    expect(model.requests.map((r) => r.seed).sort()).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('asks for `judgments` independent judgments with seeds 0..n-1, on the problem, and records the mean on the record', async () => {
    const model = new MockModel().reply(verdictRoute(varied));
    const h = await createHarness([quality], { model });
    const seed: Seed = { id: 's1', language: 'python', code: 'def f(): pass', source: { path: 'a.py', line: 1 }, kind: 'function', meta: {} };
    const record = createRecord({ seed, strategy: 'strategy:test', messages: [{ role: 'user', content: PROBLEM }] });
    await h.judge(record, 'instruction');

    const asked = model.requests.filter((r) => r.schemaName === 'quality_verdict');
    expect(asked.map((r) => r.seed)).toEqual([0, 1, 2]);
    for (const r of asked) {
      expect(r.lastUser).toContain(PROBLEM);
      expect(r.lastUser).toContain('Score this python programming problem');
      expect(r.temperature).toBe(0.7);
    }
    expect(record.dropped).toBeUndefined();
    expect(record.scores).toHaveLength(1);
    expect(record.scores[0]!.score).toBeCloseTo(48 / 7, 10);
    expect(record.scores[0]!.dimensions).toEqual(VARIED_DIMENSIONS);
    expect(record.usage.map((u) => u.plugin)).toEqual(['judge:quality', 'judge:quality', 'judge:quality']);

    // Another count of judgments: as many calls, seeds 0..n-1.
    const five = await createHarness([[quality, { judgments: 5 }]], { model: new MockModel().reply(verdictRoute(() => flat(7))) });
    const r5 = createRecord({ seed, strategy: 'strategy:test', messages: [{ role: 'user', content: PROBLEM }] });
    await five.judge(r5, 'instruction');
    expect(five.model.requests.map((r) => r.seed)).toEqual([0, 1, 2, 3, 4]);
    expect(r5.scores[0]).toMatchObject({ score: 7, judgments: 5, passed: true });
  });

  it('drops a failing problem at judged, keeping its verdict', async () => {
    const h = await createHarness([quality], { model: new MockModel().reply(verdictRoute(() => flat(2))) });
    const seed: Seed = { id: 's2', language: 'python', code: 'x = 1', source: { path: 'b.py' }, kind: 'function', meta: {} };
    const record = createRecord({ seed, strategy: 'strategy:test', messages: [{ role: 'user', content: PROBLEM }] });
    record.stage = 'synthesized';
    await h.judge(record, 'instruction');
    expect(record.dropped).toMatchObject({ stage: 'judged', plugin: 'judge:quality', category: 'below_threshold', reason: expect.stringMatching(/^score 2 < 6 \(/) });
    expect(record.scores[0]).toMatchObject({ score: 2, passed: false, judgments: 3 });
  });
});
