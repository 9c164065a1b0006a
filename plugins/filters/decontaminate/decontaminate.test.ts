import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createRecord, type SampleRecord } from '../../../core/index.js';
import { createHarness } from '../../../core/testing/index.js';
import decontaminate from './index.js';
import { decontaminateCommand } from './command.js';
import { readBenchmark } from './benchmarks.js';
import { benchmarkSpec } from './benchmarks.js';

const HUMANEVAL = resolve(import.meta.dirname, '../../../../shared/data/humaneval/HumanEval.jsonl.gz');
const items = gunzipSync(readFileSync(HUMANEVAL)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { task_id: string; prompt: string; canonical_solution: string });
const he = (id: number) => items[id]!;
const options = { benchmarks: [{ format: 'humaneval', path: HUMANEVAL }] };

const seed = { id: 's', language: 'python', code: 'pass', source: { path: 'x.py' }, kind: 'function' as const, meta: {} };
const sample = (instruction: string, response: string): SampleRecord => ({
  ...createRecord({ seed, strategy: 'strategy:test', messages: [{ role: 'user', content: instruction }, { role: 'assistant', content: response }] }),
  stage: 'verified',
});

describe('filter:decontaminate', () => {
  it('drops a response holding a HumanEval solution re-indented, naming benchmark, item and span', async () => {
    const h = await createHarness([[decontaminate, options]]);
    const solution = he(0).canonical_solution.replace(/^ {4}/gm, '  ');
    const [r] = await h.filter([sample('Check whether two numbers of a list are close.', `\`\`\`python\ndef f(numbers, threshold):\n${solution}\`\`\``)]);
    expect(r!.dropped).toMatchObject({ stage: 'filtered', plugin: 'filter:decontaminate', category: 'benchmark_substring' });
    expect(r!.dropped!.reason).toMatch(/^response contains humaneval item HumanEval\/0 solution \(substring\): "for idx, elem in enumerate\(numbers\):/);
    expect(r!.meta['filter:decontaminate']).toMatchObject({ where: 'response', benchmark: 'humaneval', item: 'HumanEval/0', field: 'solution', method: 'substring' });
  });

  it('drops an instruction quoting a HumanEval docstring in another case', async () => {
    const h = await createHarness([[decontaminate, options]]);
    const doc = /"""([\s\S]*?)"""/.exec(he(12).prompt)![1]!.toUpperCase();
    const [r] = await h.filter([sample(`Solve this:\n${doc}`, 'def f(): pass')]);
    expect(r!.dropped).toMatchObject({ category: 'benchmark_substring', reason: expect.stringMatching(/^instruction contains humaneval item HumanEval\/12 (docstring|prompt)/) });
  });

  it("drops an instruction quoting a helper's docstring, not the task's (HumanEval/38's encode_cyclic)", async () => {
    const h = await createHarness([[decontaminate, options]]);
    const [r] = await h.filter([sample('Write a Python function `encode_cyclic`. Returns encoded string by cycling groups of three characters. Handle empty input.', 'def f(): pass')]);
    expect(r!.dropped).toMatchObject({ category: 'benchmark_substring', reason: 'instruction contains humaneval item HumanEval/38 docstring (substring): "returns encoded string by cycling groups of three characters."' });
  });

  it('drops a paraphrase that keeps most 13-grams of a docstring (n-gram method) and reports the shared span', async () => {
    const h = await createHarness([[decontaminate, { ...options, substring: false }]]);
    const doc = /"""([\s\S]*?)"""/.exec(he(1).prompt)![1]!;
    const edited = `${doc.replace(/\./g, ';').replace(/>>>/g, 'example:')} Please be careful.`;
    const [r] = await h.filter([sample(edited, 'def f(): pass')]);
    expect(r!.dropped?.category).toBe('benchmark_ngram');
    const f = r!.meta['filter:decontaminate'] as { item: string; overlap: number; span: string };
    expect(f.item).toBe('HumanEval/1');
    expect(f.overlap).toBeGreaterThanOrEqual(0.5);
    expect(f.span).toMatch(/^input to this function is a string containing multiple groups of nested parentheses/);
  });

  it('keeps real code that is not a benchmark', async () => {
    const h = await createHarness([[decontaminate, options]]);
    const code = 'def dedent(text):\n    lines = text.splitlines()\n    margin = min(len(l) - len(l.lstrip()) for l in lines if l.strip())\n    return "\\n".join(l[margin:] for l in lines)\n';
    const [r] = await h.filter([sample('Remove the common leading whitespace from every line of a text block.', code)]);
    expect(r!.dropped).toBeUndefined();
  });

  it('reads MBPP, APPS (a JSON list of solutions) and any JSONL by field mapping; a missing required file names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    writeFileSync(join(dir, 'mbpp.jsonl'), `${JSON.stringify({ task_id: 11, text: 'Write a python function to remove first and last occurrence of a given character from the string.', code: 'def remove_Occ(s,ch): ...' })}\n`);
    writeFileSync(join(dir, 'apps.jsonl'), `${JSON.stringify({ problem_id: 7, question: 'Q', solutions: JSON.stringify(['print(1)', 'print(2)']) })}\n`);
    writeFileSync(join(dir, 'mine.jsonl'), `${JSON.stringify({ key: 'a', meta: { q: 'question text' }, answer: 'x' })}\n`);
    const parse = (v: unknown) => benchmarkSpec.parse(v);
    expect(readBenchmark(parse({ format: 'mbpp', path: join(dir, 'mbpp.jsonl') }))!.texts.map((t) => [t.item, t.field])).toEqual([['11', 'prompt'], ['11', 'solution']]);
    expect(readBenchmark(parse({ format: 'apps', path: join(dir, 'apps.jsonl') }))!.texts.map((t) => t.text)).toEqual(['Q', 'print(1)', 'print(2)']);
    expect(readBenchmark(parse({ path: join(dir, 'mine.jsonl'), fields: { id: 'key', prompts: ['meta.q'], solutions: ['answer'] } }))!.texts.map((t) => t.text)).toEqual(['question text', 'x']);
    expect(() => parse({ path: join(dir, 'mine.jsonl') })).toThrow(/fields/);
    expect(() => readBenchmark(parse({ format: 'humaneval', path: join(dir, 'nope.jsonl') }))).toThrow(/nope\.jsonl.*benchmark file not found/);
    expect(readBenchmark(parse({ format: 'humaneval', path: join(dir, 'nope.jsonl'), required: false }))).toBeUndefined();
  });
});

describe('instructsmith decontaminate FILE', () => {
  it('writes kept and removed samples with the benchmark item and a summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'decon-cmd-'));
    const file = join(dir, 'data.jsonl');
    const rows = [
      { messages: [{ role: 'user', content: 'Write it.' }, { role: 'assistant', content: he(3).prompt + he(3).canonical_solution }] },
      { messages: [{ role: 'user', content: 'Parse a CSV line into fields, honouring double-quoted fields that contain commas.' }, { role: 'assistant', content: 'import csv' }] },
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    let printed = '';
    await decontaminateCommand.run([file], { benchmark: [`humaneval:${HUMANEVAL}`], minChars: '30', n: '13', threshold: '0.5' }, { out: (t) => (printed += t), log: { info() {}, warn() {}, debug() {} } });
    const read = (n: string) => readFileSync(join(dir, 'data.decontaminate', n), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(read('kept.jsonl')).toEqual([rows[1]]);
    expect(read('removed.jsonl')[0].removed).toMatchObject({ line: 1, category: 'benchmark_substring', benchmark: 'humaneval', item: 'HumanEval/3', where: 'response' });
    expect(printed).toMatch(/2 samples read, 1 kept, 1 removed \(benchmark_substring 1\)/);
  });
});
