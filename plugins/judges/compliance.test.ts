import { describe, expect, it } from 'vitest';
import { createRecord, type SampleRecord, type Seed } from '../../core/index.js';
import { createHarness, MockModel, PluginTester, type MockRequest } from '../../core/testing/index.js';
import chat from '../responders/chat.js';
import { MUTATION_RULES } from '../strategies/genetic/operators.js';
import infinity from '../strategies/infinity/index.js';
import compliance, { changeRatio } from './compliance.js';

const ORIGINAL = 'Write a Python function `top_k(values, k)` that returns the k largest values of a list in descending order.';
const EVOLVED = `${ORIGINAL} The list may hold up to 10^6 values: use a heap so the running time is O(n log k), and reject a negative k with a ValueError.`;
const seed: Seed = { id: 'pool-1', language: 'python', code: ORIGINAL, source: { path: 'pool.jsonl', line: 1 }, kind: 'record', meta: {} };

function evolution(instruction: string, details: Record<string, unknown> = { dimension: 'difficulty', rule: 'add-constraints', original: ORIGINAL }): SampleRecord {
  return createRecord({ seed, strategy: 'strategy:infinity', messages: [{ role: 'user', content: instruction }], generation: 1, details });
}

const verdict = (value: { complied: boolean; reason: string }) => (req: MockRequest) => (req.schemaName === 'infinity_compliance' ? value : undefined);

describe('changeRatio', () => {
  it('is 0 for the same text up to case, spacing and punctuation, and grows with the edit', () => {
    expect(changeRatio(ORIGINAL, ORIGINAL)).toBe(0);
    expect(changeRatio(ORIGINAL, `  ${ORIGINAL.toUpperCase().replace(/\./g, '!')}\n`)).toBe(0);
    expect(changeRatio(ORIGINAL, `Please ${ORIGINAL}`)).toBeLessThan(0.1);
    expect(changeRatio(ORIGINAL, EVOLVED)).toBeGreaterThan(0.4);
    expect(changeRatio(ORIGINAL, 'Write a SQL query that lists the customers who ordered nothing in 2024.')).toBeGreaterThan(0.6);
    expect(changeRatio('', '')).toBe(0);
  });
});

describe('judge:compliance', () => {
  it('drops an unchanged or near-equal evolution without a call', async () => {
    const model = new MockModel([verdict({ complied: true, reason: 'fine' })]);
    const h = await createHarness([compliance], { model });
    for (const text of [ORIGINAL, `${ORIGINAL.toLowerCase()}  `, `Please: ${ORIGINAL}`]) {
      const r = await h.judge(evolution(text), 'instruction');
      expect(r.dropped).toMatchObject({ stage: 'judged', plugin: 'judge:compliance', category: 'evolution_unchanged' });
      expect(r.dropped!.reason).toMatch(/^the evolved instruction is \(nearly\) the original: \d+\.\d% changed < 10\.0% \(minChange\)$/);
    }
    expect(model.requests).toHaveLength(0);
  });

  it('asks about the directive of the record\'s dimension and keeps a compliant evolution', async () => {
    const model = new MockModel([verdict({ complied: true, reason: 'Adds a heap bound and input validation.' })]);
    const h = await createHarness([compliance], { model });
    const r = await h.judge(evolution(EVOLVED), 'instruction');
    expect(r.dropped).toBeUndefined();
    expect(model.requests).toHaveLength(1);
    const req = model.requests[0]!;
    expect(req).toMatchObject({ schemaName: 'infinity_compliance', temperature: 0 });
    expect(req.lastUser).toContain('Dimension: Difficulty');
    expect(req.lastUser).toContain(`${MUTATION_RULES['add-constraints'].title}: ${MUTATION_RULES['add-constraints'].guidance}`);
    expect(req.lastUser).toContain(`Original instruction:\n"""\n${ORIGINAL}\n"""`);
    expect(req.lastUser).toContain(`Evolved instruction:\n"""\n${EVOLVED}\n"""`);
    expect(r.meta['judge:compliance']).toMatchObject({ complied: true, reason: 'Adds a heap bound and input validation.', model: 'mock:test' });
    expect(r.usage).toHaveLength(1);
  });

  it('drops a non-compliant evolution with the check\'s reason', async () => {
    const h = await createHarness([compliance], { model: new MockModel([verdict({ complied: false, reason: 'It asks for both ascending and descending order.' })]) });
    const r = await h.judge(evolution(EVOLVED, { dimension: 'complexity', rule: 'more-reasoning', original: ORIGINAL }), 'instruction');
    expect(r.dropped).toEqual({ stage: 'judged', plugin: 'judge:compliance', category: 'evolution_failed', reason: 'evolution (complexity) did not comply: It asks for both ascending and descending order.' });
  });

  it('passes over records no evolution wrote (no call)', async () => {
    const model = new MockModel();
    const h = await createHarness([compliance], { model });
    const plain = createRecord({ seed, strategy: 'strategy:reverse', messages: [{ role: 'user', content: ORIGINAL }], details: { direction: 'deepen' } });
    expect((await h.judge(plain, 'instruction')).dropped).toBeUndefined();
    expect(model.requests).toHaveLength(0);
  });

  it('through the runner after strategy:infinity (PluginTester)', async () => {
    const evolveTo = (text: string) => (req: MockRequest) => (req.schemaName === 'infinity_evolution' ? { instruction: text } : undefined);
    const tester = new PluginTester({ plugins: [infinity, chat] });
    await tester.run(compliance, {
      valid: [
        {
          name: 'a real, compliant evolution',
          seed: { code: ORIGINAL, kind: 'record' },
          model: (req) => evolveTo(EVOLVED)(req) ?? verdict({ complied: true, reason: 'ok' })(req),
          check: (kept) => expect(kept.map((r) => r.messages[0]!.content)).toContain(EVOLVED),
        },
      ],
      invalid: [
        { name: 'do-nothing evolution', seed: { code: ORIGINAL, kind: 'record' }, model: evolveTo(ORIGINAL), error: { stage: 'judged', category: 'evolution_unchanged' } },
        {
          name: 'non-compliant evolution',
          seed: { code: ORIGINAL, kind: 'record' },
          model: (req) => evolveTo(EVOLVED)(req) ?? verdict({ complied: false, reason: 'It refers to "the original task".' })(req),
          error: { stage: 'judged', category: 'evolution_failed', reason: /did not comply: It refers to "the original task"\.$/ },
        },
      ],
    });
  });
});
