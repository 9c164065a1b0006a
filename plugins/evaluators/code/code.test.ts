import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTemplateRenderer } from '../../../core/templates.js';
import type { ExecutionResult } from '../../../core/index.js';
import { createSandboxExecutor } from '../../executors/sandbox/index.js';
import { HUMANEVAL } from '../../../test/e2e/helpers.js';
import { assembleProgram, createCodeBenchmarkTask, EVALUATION_FORMATS, parseFields, pythonOutcome, readCodeBenchmark, replyCode } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'instructsmith-evaluate-'));

/** Two MBPP items in the public file's shape (mbpp.jsonl). */
const MBPP = join(dir, 'mbpp.jsonl');
writeFileSync(
  MBPP,
  [
    { task_id: 11, text: 'Write a python function to remove first and last occurrence of a given character from the string.', code: 'def remove_Occ(s,ch):\n    s = s.replace(ch, "", 1)\n    return s[::-1].replace(ch, "", 1)[::-1]', test_list: ['assert remove_Occ("hello","l") == "heo"', 'assert remove_Occ("abcda","a") == "bcd"'], test_setup_code: '', challenge_test_list: [] },
    { task_id: 12, text: 'Write a function to add the constant K to each number.', code: 'def add_k(xs):\n    return [x + K for x in xs]', test_list: ['assert add_k([1, 2]) == [4, 5]'], test_setup_code: 'K = 3', challenge_test_list: [] },
  ].map((r) => JSON.stringify(r)).join('\n'),
);

const result = (over: Partial<ExecutionResult>): ExecutionResult => ({ verdict: 'error', exitCode: 1, signal: null, stdout: '', stderr: '', truncated: false, durationMs: 5, ...over });

describe('reading benchmarks for evaluation', () => {
  it('reads HumanEval as completion items and MBPP as instruction items', () => {
    const he = readCodeBenchmark(HUMANEVAL, EVALUATION_FORMATS.humaneval).items;
    expect(he).toHaveLength(164);
    expect(he[0]).toMatchObject({ id: 'HumanEval/0', style: 'completion', entryPoint: 'has_close_elements' });
    expect(he[0]!.tests).toContain('def check(candidate)');
    const mbpp = readCodeBenchmark(MBPP, EVALUATION_FORMATS.mbpp).items;
    expect(mbpp.map((i) => [i.id, i.style, i.testList?.length, i.setup])).toEqual([['11', 'instruction', 2, undefined], ['12', 'instruction', 1, 'K = 3']]);
  });

  it('maps any JSONL with --fields, and names the file and line of an item without its tests', () => {
    const file = join(dir, 'custom.jsonl');
    writeFileSync(file, `${JSON.stringify({ q: { text: 'Return twice x.' }, checks: ['assert double(2) == 4'] })}\n${JSON.stringify({ q: { text: 'Return x.' } })}\n`);
    const fields = parseFields('jsonl', 'prompt=q.text,tests=checks');
    expect(() => readCodeBenchmark(file, fields)).toThrow(/custom\.jsonl:2.*no "checks" field/s);
    expect(() => parseFields('jsonl', 'prompt=q')).toThrow(/needs --fields with at least prompt=FIELD and tests=FIELD/);
    expect(() => parseFields('humaneval', 'answer=x')).toThrow(/"answer=x" is not KEY=FIELD/);
    writeFileSync(file, `${JSON.stringify({ q: { text: 'Return twice x.' }, checks: ['assert double(2) == 4'] })}\n`);
    expect(readCodeBenchmark(file, fields).items[0]).toMatchObject({ id: 'line 1', style: 'instruction', tests: 'assert double(2) == 4' });
  });
});

describe('prompts', () => {
  const templates = createTemplateRenderer();
  it('asks HumanEval as a function to complete, with the prompt in a fence', () => {
    const task = createCodeBenchmarkTask({ path: HUMANEVAL, format: 'humaneval' });
    const [system, user] = task.prompt(task.items[0]!, templates);
    expect(system!.role).toBe('system');
    expect(user!.content).toContain(`\`\`\`python\n${task.items[0]!.prompt.trim()}\n\`\`\``);
    expect(user!.content).toMatch(/^Complete this python function \(`has_close_elements`\)/);
  });
  it("asks MBPP with its tests, as Austin et al. 2021's prompt does", () => {
    const task = createCodeBenchmarkTask({ path: MBPP, format: 'mbpp' });
    const user = task.prompt(task.items[0]!, templates).at(-1)!.content;
    expect(user).toContain('here is your task: Write a python function to remove first');
    expect(user).toContain('Your code should pass these tests:\n\nassert remove_Occ("hello","l") == "heo"\nassert remove_Occ("abcda","a") == "bcd"');
  });
});

describe('assembling the program', () => {
  const he = readCodeBenchmark(HUMANEVAL, EVALUATION_FORMATS.humaneval).items;
  const item = he[0]!;
  it('takes the python block that defines the entry point, else the first; a reply without fence whole', () => {
    expect(replyCode('Use this:\n```json\n{}\n```\n```py\nx = 1\n```\n```python\ndef f(a):\n    return a\n```', 'f')).toBe('def f(a):\n    return a\n');
    expect(replyCode('```\nreturn 1\n```\nthen ```python\nreturn 2\n```')).toBe('return 1\n');
    expect(replyCode('    return 3\n\n')).toBe('    return 3\n');
  });
  it('appends a body to the prompt, indenting one written flush left', () => {
    const { completion, program } = assembleProgram(item, '```python\nreturn False\n```');
    expect(completion).toBe('    return False\n');
    expect(program.startsWith(`${item.prompt}    return False\n`)).toBe(true);
    expect(program.trimEnd().endsWith('check(has_close_elements)')).toBe(true);
  });
  it('runs a whole function after the prompt, so the prompt keeps its imports and helpers', () => {
    const reply = `\`\`\`python\ndef has_close_elements(numbers, threshold):\n    return True\n\`\`\``;
    const { completion, program } = assembleProgram(item, reply);
    expect(completion).toBe('def has_close_elements(numbers, threshold):\n    return True\n');
    expect(program.indexOf('from typing import List')).toBeLessThan(program.indexOf('    return True'));
  });
  it('puts MBPP setup code first and calls no check()', () => {
    const mbpp = readCodeBenchmark(MBPP, EVALUATION_FORMATS.mbpp).items[1]!;
    const { program } = assembleProgram(mbpp, '```python\ndef add_k(xs):\n    return [x + K for x in xs]\n```');
    expect(program).toBe('K = 3\n\ndef add_k(xs):\n    return [x + K for x in xs]\n\n\nassert add_k([1, 2]) == [4, 5]\n');
  });
});

describe('classifying a failed execution', () => {
  it('reads the failing assert, the exception type, syntax errors and sandbox verdicts', () => {
    const assertion = 'Traceback (most recent call last):\n  File "/work/main.py", line 31, in <module>\n    check(f)\n  File "/work/main.py", line 25, in check\n    assert candidate([1]) == 2, "wrong"\n           ^^^^^^^^^^^^^^\nAssertionError: wrong\n';
    expect(pythonOutcome(result({ stderr: assertion })).error).toMatchObject({ kind: 'assertion', type: 'AssertionError', message: 'assert candidate([1]) == 2, "wrong": wrong' });
    expect(pythonOutcome(result({ stderr: 'Traceback (most recent call last):\n  File "/work/main.py", line 3, in f\n    return 1 / 0\nZeroDivisionError: division by zero\n' })).error).toMatchObject({ kind: 'exception', type: 'ZeroDivisionError', message: 'ZeroDivisionError: division by zero' });
    expect(pythonOutcome(result({ stderr: '  File "/work/main.py", line 4\n    def f(:\n          ^\nSyntaxError: invalid syntax\n' })).error).toMatchObject({ kind: 'syntax', type: 'SyntaxError', message: 'invalid syntax (File "/work/main.py", line 4)' });
    expect(pythonOutcome(result({ verdict: 'timeout', exitCode: null, message: 'wall clock exceeded 10 s; the sandbox was killed' })).error).toMatchObject({ kind: 'timeout', message: 'wall clock exceeded 10 s; the sandbox was killed' });
    expect(pythonOutcome(result({ verdict: 'ok', exitCode: 0 }))).toEqual({ passed: true });
    expect(pythonOutcome(result({ stderr: 'x'.repeat(5000) + 'KeyError: 1' })).error!.stderrTail).toHaveLength(2000);
  });
});

describe('MBPP in the sandbox', () => {
  it('passes the reference solutions and fails a wrong one by its assert', async () => {
    const executor = createSandboxExecutor({ languages: ['python'] });
    const task = createCodeBenchmarkTask({ path: MBPP, format: 'mbpp' });
    // Short limits so the endless loop ends soon (the verdict, not the time, is checked).
    const run = async (i: number, reply: string) => task.outcome(task.items[i]!, await executor.execute({ ...task.program(task.items[i]!, reply).request, limits: { cpuSeconds: 1, wallSeconds: 3 } }));
    for (const [i, item] of task.items.entries()) expect(await run(i, `\`\`\`python\n${item.solution}\n\`\`\``), item.id).toEqual({ passed: true });
    expect((await run(0, '```python\ndef remove_Occ(s, ch):\n    return s.replace(ch, "", 1)\n```')).error).toMatchObject({ kind: 'assertion', message: 'assert remove_Occ("hello","l") == "heo"' });
    expect((await run(1, '```python\nwhile True:\n    pass\n```')).error).toMatchObject({ kind: 'timeout' });
  }, 60_000);
});
