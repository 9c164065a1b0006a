import { describe, expect, it } from 'vitest';
import type { Seed } from '../../core/index.js';
import { createHarness, MockModel, PluginTester, type MockRequest } from '../../core/testing/index.js';
import chat from '../responders/chat.js';
import reverse, { pickDirections, REWRITE_DIRECTIONS, type RewriteDirection } from './reverse.js';

const CODE = 'def dedupe(items):\n    seen = set()\n    return [x for x in items if not (x in seen or seen.add(x))]\n';
const INITIAL = 'Write a Python function `dedupe(items)` that removes repeated items from a list, keeping first occurrences in order.';
const ALL = Object.keys(REWRITE_DIRECTIONS) as RewriteDirection[];

/** reverse_problem gives INITIAL; each rewrite names its direction's title, so records can be told apart. */
function script(over: { initial?: unknown; rewrite?: (req: MockRequest) => unknown } = {}) {
  return (req: MockRequest) => {
    if (req.schemaName === 'reverse_problem') return over.initial ?? { analysis: 'Order-preserving de-duplication with a set.', problem: INITIAL };
    if (req.schemaName === 'rewritten_problem') {
      if (over.rewrite) return over.rewrite(req);
      const title = /^(.+?): /m.exec(req.lastUser.split('\n\n')[1] ?? '')?.[1] ?? '?';
      return { problem: `${INITIAL} [${title}] Also reject non-list input with a TypeError.` };
    }
    return undefined;
  };
}

const titleOf = (d: string) => REWRITE_DIRECTIONS[d as RewriteDirection].title;

describe('strategy:reverse', () => {
  // The records reverse writes have no response yet: the real responder answers them.
  const tester = new PluginTester({ plugins: [chat] });

  it('writes the rewritten problem as the user turn, and drops replies that do not validate (PluginTester)', async () => {
    await tester.run(reverse, {
      valid: [
        {
          name: 'initial problem, then one rewrite',
          seed: { code: CODE },
          model: script(),
          check(kept) {
            expect(kept).toHaveLength(1);
            const [r] = kept;
            const direction = r!.lineage.details!.direction as string;
            expect(direction).toBe(pickDirections(r!.lineage.seedId, ALL, 1)[0]);
            expect(r!.messages[0]).toEqual({ role: 'user', content: `${INITIAL} [${titleOf(direction)}] Also reject non-list input with a TypeError.` });
            expect(r!.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
            expect(r!.lineage.strategy).toBe('strategy:reverse');
            expect(r!.meta['strategy:reverse']).toEqual({ analysis: 'Order-preserving de-duplication with a set.', initialProblem: INITIAL });
          },
        },
        {
          name: 'keepInitial and two rewrites: three samples, distinct directions',
          seed: { code: CODE },
          options: { keepInitial: true, rewritesPerSeed: 2 },
          model: script(),
          check(kept) {
            const directions = kept.map((r) => r.lineage.details!.direction as string);
            expect(directions).toHaveLength(3);
            expect(new Set(directions).size).toBe(3);
            expect(directions).toContain('initial');
            const seedId = kept[0]!.lineage.seedId;
            expect(directions.filter((d) => d !== 'initial').sort()).toEqual(pickDirections(seedId, ALL, 2).sort());
            expect(kept.find((r) => r.lineage.details!.direction === 'initial')!.messages[0]!.content).toBe(INITIAL);
          },
        },
        {
          name: 'only the configured directions are drawn',
          seed: { code: CODE },
          options: { directions: ['concretize'] },
          model: script(),
          check: (kept) => expect(kept.map((r) => r.lineage.details!.direction)).toEqual(['concretize']),
        },
      ],
      invalid: [
        {
          name: 'initial problem shorter than the schema minimum',
          seed: { code: CODE },
          model: script({ initial: { analysis: 'short', problem: 'Dedupe a list.' } }),
          error: { stage: 'synthesized', category: 'invalid_output', reason: /^initial problem: mock:test: the reply to schema "reverse_problem" \(plugin strategy:reverse\) did not validate in 3 attempts; last: attempt 3 \(seed 2\): [\s\S]*>=20 characters[\s\S]*at problem$/ },
        },
        {
          name: 'rewrite shorter than the schema minimum',
          seed: { code: CODE },
          model: script({ rewrite: () => ({ problem: 'Too short.' }) }),
          error: { stage: 'synthesized', category: 'invalid_output', reason: /^rewrite \([a-z-]+\): mock:test: the reply to schema "rewritten_problem"/ },
        },
      ],
    });
  });

  it('asks about the seed code first, then rewrites the initial problem along the chosen direction', async () => {
    const model = new MockModel([script()]);
    const h = await createHarness([[reverse, { rewritesPerSeed: 1 }]], { model });
    const seed: Seed = { id: 'seed-dedupe', language: 'python', code: CODE, source: { path: 'util/lists.py', line: 12 }, kind: 'function', meta: {} };
    const [r] = await h.synthesize(seed);
    expect(r!.dropped).toBeUndefined();
    expect(r!.stage).toBe('synthesized');
    expect(model.requests.map((q) => q.schemaName)).toEqual(['reverse_problem', 'rewritten_problem']);
    expect(model.requests[0]!.lastUser).toContain('(util/lists.py:12)');
    expect(model.requests[0]!.lastUser).toContain(CODE.trim());
    const direction = pickDirections('seed-dedupe', ALL, 1)[0]!;
    expect(r!.lineage.details).toEqual({ direction });
    expect(model.requests[1]!.lastUser).toContain(INITIAL);
    expect(model.requests[1]!.lastUser).toContain(`${titleOf(direction)}: ${REWRITE_DIRECTIONS[direction].guidance}`);
    expect(r!.usage).toHaveLength(2);
  });

  it('passes over derived seeds: no call, no record (the runner then records the seed as without instruction)', async () => {
    const model = new MockModel([script()]);
    const h = await createHarness([reverse], { model });
    const seed: Seed = { id: 'derived-1', language: 'python', code: 'language: python\ntask: dedupe', source: { path: 'graph/graph.json' }, kind: 'derived', meta: {} };
    expect(await h.synthesize(seed)).toEqual([]);
    expect(model.requests).toHaveLength(0);

    const { kept, rejected, dispose } = await tester.runCase(reverse, { seed: { code: CODE, kind: 'derived' }, model: script() });
    await dispose();
    expect(kept).toHaveLength(0);
    expect(rejected.map((r) => r.dropped)).toEqual([{ stage: 'synthesized', plugin: 'runner', reason: 'no strategy wrote an instruction from this seed', category: 'no_instruction' }]);
  });
});
