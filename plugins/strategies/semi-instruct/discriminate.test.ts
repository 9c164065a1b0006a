import { describe, expect, it } from 'vitest';
import type { Seed } from '../../../core/index.js';
import { createHarness, MockModel } from '../../../core/testing/index.js';
import sandboxExecutor from '../../executors/sandbox/index.js';
import strategy, { type SemiInstructMeta } from './index.js';
import { mutantsOf, untestableReason } from './discriminate.js';

async function setup(reply: { instruction: string; inputs: string[]; solution: string }) {
  const model = new MockModel().reply({ schema: 'semi_instruct' }, reply);
  const h = await createHarness([[sandboxExecutor, { languages: ['python'], concurrency: 2, limits: { wallSeconds: 8 } }], [strategy, { testCases: 4 }]], { model });
  return { h, model };
}

const fn = (code: string, entry: string): Seed => ({ id: `seed-${entry}`, language: 'python', code, source: { path: 'm.py', line: 1 }, kind: 'function', meta: { entry_point: entry } });
const meta = (r: { meta: Record<string, unknown> }) => r.meta['strategy:semi-instruct'] as SemiInstructMeta;

describe('strategy:semi-instruct: tests that can fail', { timeout: 60_000 }, () => {
  it('skips module-level code that names no function and reads no input, before any LLM call', async () => {
    const { h, model } = await setup({ instruction: 'Implement a rate limiter with a token bucket.', inputs: ['1'], solution: 'pass' });
    const seed: Seed = { id: 'mod', language: 'python', code: 'import os\nimport sys\n__all__ = ["a", "b"]\nDEFAULT = 3\nLIMIT = 10\n', source: { path: 'mod.py', line: 1 }, kind: 'window', meta: {} };
    const [r] = await h.synthesize(seed);
    expect(r!.dropped).toMatchObject({ stage: 'synthesized', category: 'untestable', reason: expect.stringMatching(/^untestable seed: the code names no function to call and reads no input/) });
    expect(model.requests).toHaveLength(0);
  });

  it('drops a sample that a program returning None passes (the original only prints)', async () => {
    const code = 'def report(words):\n    for w in words:\n        print(w.upper())\n';
    const { h } = await setup({ instruction: 'Write report(words) that prints every word in upper case.', inputs: ['["a"]', '["b", "c"]'], solution: 'def report(words):\n    pass\n' });
    const [r] = await h.synthesize(fn(code, 'report'));
    expect(r!.dropped).toMatchObject({ category: 'null_passes', reason: 'a program that returns None passes all 2 test cases: they validate nothing' });
  });

  it('drops a sample whose original gives one output for every input, unless the instruction says so', async () => {
    const code = 'def version(x):\n    return 3\n';
    const { h } = await setup({ instruction: 'Write version(x) that returns the protocol version number.', inputs: ['1', '2', '"a"'], solution: 'def version(x):\n    return 3\n' });
    const [r] = await h.synthesize(fn(code, 'version'));
    expect(r!.dropped).toMatchObject({ category: 'constant_outputs', reason: expect.stringMatching(/same output for all 3 test inputs \(3\)/) });
    const said = await setup({ instruction: 'Write version(x) that always returns 3, regardless of the input.', inputs: ['1', '2'], solution: 'def version(x):\n    return 3\n' });
    const [k] = await said.h.synthesize(fn(code, 'version'));
    expect(k!.dropped).toBeUndefined();
  });

  it('keeps a sample with a single test case that rejects the null program and kills a mutant (one output says nothing about constancy)', async () => {
    const code = 'def double(x):\n    return x * 2\n';
    const { h } = await setup({ instruction: 'Write double(x) that returns twice x.', inputs: ['21'], solution: 'def double(x):\n    return x + x\n' });
    const [r] = await h.synthesize(fn(code, 'double'));
    expect(r!.dropped).toBeUndefined();
    expect(meta(r!).testCases).toEqual([{ input: '21', output: 42 }]);
    expect(meta(r!).discrimination!.mutantsKilled).toBeGreaterThan(0);
  });

  it('drops a sample none of whose test cases kills a mutant of the original', async () => {
    const code = 'def is_big(x):\n    return x > 10\n';
    const { h } = await setup({ instruction: 'Write is_big(x): whether x is greater than ten.', inputs: ['1', '20'], solution: 'def is_big(x):\n    return x > 10\n' });
    const [r] = await h.synthesize(fn(code, 'is_big'));
    expect(r!.dropped).toMatchObject({ category: 'weak_tests', reason: expect.stringContaining('relational line 2 > → >=') });
    expect(meta(r!).discrimination).toMatchObject({ nullRejected: true, distinctOutputs: 2, mutantsKilled: 0, mutantsValid: 2 });
  });

  it('keeps a sample whose tests kill a mutant, recording how many', async () => {
    const code = 'def spread(xs):\n    return max(xs) - min(xs)\n';
    const { h } = await setup({ instruction: 'Write spread(xs): the largest minus the smallest number of a non-empty list.', inputs: ['[1, 5]', '[3]', '[2, 9, 4]'], solution: 'def spread(xs):\n    return max(xs) - min(xs)\n' });
    const [r] = await h.synthesize(fn(code, 'spread'));
    expect(r!.dropped).toBeUndefined();
    expect(meta(r!).discrimination).toMatchObject({ nullRejected: true, distinctOutputs: 3, mutantsKilled: 1, mutantsValid: 1, mutants: [{ operator: 'arithmetic', line: 2, change: '- → +', outcome: 'killed' }] });
    expect(r!.checks[0]!.diagnostics).toContainEqual(expect.objectContaining({ rule: 'mutants-killed', message: expect.stringMatching(/^test cases killed 1 of 1 valid mutants/) }));
  });
});

describe('mutantsOf / untestableReason', () => {
  it('changes one operator or literal per mutant, never in docstrings, comments or strings', () => {
    const code = 'def f(a, b):\n    """Return a + b if a < 3."""\n    # a * b\n    s = "x < y"\n    if a < 3 and b:\n        return a + 1\n    return b\n';
    expect(mutantsOf(code).map((m) => [m.operator, m.line, m.from, m.to])).toEqual([
      ['relational', 5, '<', '<='],
      ['arithmetic', 6, '+', '-'],
      ['logical', 5, 'and', 'or'],
    ]);
  });

  it('calls a program that reads stdin or arguments testable', () => {
    const seed = (code: string): Seed => ({ id: 'x', language: 'python', code, source: { path: 'p.py' }, kind: 'file', meta: {} });
    expect(untestableReason(seed('import sys\nprint(sum(map(int, sys.stdin)))\n'), { kind: 'program' })).toBeUndefined();
    expect(untestableReason(seed('X = 1\nprint(X)\n'), { kind: 'program' })).toMatch(/reads no input/);
    expect(untestableReason(seed('X = 1\n'), { kind: 'function', entryPoint: 'f' })).toBeUndefined();
  });
});
