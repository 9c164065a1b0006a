import { describe, expect, it } from 'vitest';
import type { Seed } from '../../../core/index.js';
import { createSandboxExecutor } from '../../executors/sandbox/index.js';
import { compareValues } from './compare.js';
import { runCases } from './cases.js';
import { compareByCurriculum } from '../../../core/index.js';
import { curriculumFor } from './curriculum.js';
import { callMode, stripFence } from './index.js';

const ex = createSandboxExecutor({ concurrency: 2, languages: ['python', 'javascript'], limits: { cpuSeconds: 3, wallSeconds: 8, memoryBytes: 256 * 1024 * 1024 } });
const run = ex.execute.bind(ex);
const opts = { caseTimeoutSeconds: 1 };

describe('runCases (real sandbox)', { timeout: 60_000 }, () => {
  it('calls a Python function once per input and encodes what JSON cannot say', async () => {
    const code = 'def f(x, y=0):\n    print("noise")\n    return {"t": (x, y), "s": {x}, "f": x / 3, "big": 2 ** 70, "inf": float("inf")}\n';
    const [a, b] = await runCases(run, 'python', code, ['1', '2, y=5'], { kind: 'function', entryPoint: 'f' }, opts);
    expect(a).toMatchObject({ ok: true });
    expect(b).toEqual({
      input: '2, y=5',
      ok: true,
      output: { $dict: [['t', { $tuple: [2, 5] }], ['s', { $set: [2] }], ['f', 2 / 3], ['big', { $int: String(2n ** 70n) }], ['inf', { $float: 'inf' }]] },
    });
  });

  it('reports a failing input with its exception, and isolates an input that never returns', async () => {
    const code = 'def g(n):\n    if n < 0:\n        raise ValueError("negative")\n    while n == 7:\n        pass\n    return n * 2\n';
    const r = await runCases(run, 'python', code, ['1', '-1', '7', '4'], { kind: 'function', entryPoint: 'g' }, opts);
    expect(r.map((c) => c.ok)).toEqual([true, false, false, true]);
    expect(r[1]).toMatchObject({ error: 'ValueError: negative' });
    expect(r[2]).toMatchObject({ error: expect.stringMatching(/^timeout/) });
    expect(r[3]).toMatchObject({ output: 8 });
  });

  it('recovers the other inputs when one input kills the whole batch', async () => {
    const code = 'import os\ndef h(n):\n    if n == 0:\n        os._exit(3)\n    return n + 1\n';
    const r = await runCases(run, 'python', code, ['1', '0', '2'], { kind: 'function', entryPoint: 'h' }, opts);
    expect(r.map((c) => (c.ok ? c.output : 'failed'))).toEqual([2, 'failed', 3]);
    expect(r[1]).toMatchObject({ ok: false, error: expect.stringMatching(/^error: exited with code 3/) });
  });

  it('reports a missing entry point on every input', async () => {
    const r = await runCases(run, 'python', 'def other():\n    pass\n', ['1', '2'], { kind: 'function', entryPoint: 'f' }, opts);
    expect(r.every((c) => !c.ok && /^load: KeyError/.test(c.error))).toBe(true);
  });

  it('calls JavaScript functions, declared or exported, with Sets and Maps encoded', async () => {
    const declared = 'function uniq(xs) { console.log("noise"); return new Set(xs); }';
    const [a] = await runCases(run, 'javascript', declared, ['[3, 1, 3]'], { kind: 'function', entryPoint: 'uniq' }, opts);
    expect(a).toMatchObject({ ok: true, output: { $set: [3, 1] } });
    const exported = 'const count = (s) => new Map([[s, s.length]]); module.exports = { count };';
    const [b] = await runCases(run, 'javascript', exported, ['"abc"'], { kind: 'function', entryPoint: 'count' }, opts);
    expect(b).toMatchObject({ ok: true, output: { $dict: [['abc', 3]] } });
    const [c] = await runCases(run, 'javascript', 'const spin = () => { for (;;); };', [''], { kind: 'function', entryPoint: 'spin' }, opts);
    expect(c).toMatchObject({ ok: false, error: expect.stringMatching(/timed out/) });
  });

  it('feeds program-level inputs on stdin and keeps stdout', async () => {
    const code = 'import sys\nnums = list(map(int, sys.stdin.read().split()))\nprint(sum(nums) / len(nums))\n';
    const r = await runCases(run, 'python', code, ['1 2 3\n', '', '10'], { kind: 'program' }, opts);
    expect(r[0]).toEqual({ input: '1 2 3\n', ok: true, output: '2.0\n' });
    expect(r[1]).toMatchObject({ ok: false, error: expect.stringMatching(/^error: exited with code 1: .*ZeroDivisionError/) });
    expect(r[2]).toMatchObject({ ok: true, output: '10.0\n' });
  });

  it('gives the same encoded outputs for an original and an equivalent refined solution', async () => {
    const inputs = ['[3, 1, 2]', '[]'];
    const original = await runCases(run, 'python', 'def s(xs):\n    return sorted(xs)\n', inputs, { kind: 'function', entryPoint: 's' }, opts);
    const refined = await runCases(run, 'python', 'def s(xs):\n    out = list(xs)\n    out.sort()\n    return out\n', inputs, { kind: 'function', entryPoint: 's' }, opts);
    for (const [i, o] of original.entries()) {
      expect(o.ok && refined[i]!.ok).toBe(true);
      if (o.ok && refined[i]!.ok) expect(compareValues(o.output, (refined[i] as { output: unknown }).output).equal).toBe(true);
    }
  });
});

describe('callMode', () => {
  const seed = (over: Partial<Seed>): Seed => ({ id: 's1', language: 'python', code: 'def add(a, b):\n    return a + b\n', source: { path: 'x.py' }, kind: 'record', meta: {}, ...over });
  it('uses entry_point (HumanEval), then a function seed’s name, else stdin/stdout', () => {
    expect(callMode(seed({ meta: { entry_point: 'add' } }), 'auto')).toEqual({ kind: 'function', entryPoint: 'add' });
    expect(callMode(seed({ kind: 'function' }), 'auto')).toEqual({ kind: 'function', entryPoint: 'add' });
    expect(callMode(seed({}), 'auto')).toEqual({ kind: 'program' });
    expect(callMode(seed({ language: 'c', kind: 'function', code: 'int add(int a, int b) { return a + b; }' }), 'auto')).toEqual({ kind: 'program' });
    expect(callMode(seed({ meta: { entry_point: 'add' } }), 'program')).toEqual({ kind: 'program' });
  });
  it('explains why function mode is impossible', () => {
    expect(() => callMode(seed({ language: 'c', code: 'int main(){}' }), 'function')).toThrow(/no function name[\s\S]*|mode is "function"/);
  });
});

describe('stripFence', () => {
  it('removes one surrounding fence and leaves bare code alone', () => {
    expect(stripFence('```python\ndef f():\n    pass\n```')).toBe('def f():\n    pass');
    expect(stripFence('def f():\n    pass\n')).toBe('def f():\n    pass\n');
  });
});

describe('curriculum', () => {
  it('orders fewest test cases first by default, most first on request, unranked last', () => {
    const rec = (n?: number, order: 'fewest-first' | 'most-first' = 'fewest-first') => ({ meta: n === undefined ? {} : { curriculum: curriculumFor(n, order) } });
    const fewest = [rec(5), rec(), rec(1), rec(3)].sort(compareByCurriculum).map((r) => (r.meta as { curriculum?: { value: number } }).curriculum?.value);
    expect(fewest).toEqual([1, 3, 5, undefined]);
    const most = [rec(1, 'most-first'), rec(5, 'most-first'), rec(3, 'most-first')].sort(compareByCurriculum).map((r) => r.meta.curriculum!.value);
    expect(most).toEqual([5, 3, 1]);
  });
});
