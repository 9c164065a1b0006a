import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultsFile, type EvaluationResultLine } from './results.js';

const line = (task_id: string, sample: number, passed: boolean): EvaluationResultLine => ({ task_id, sample, completion: 'return 1', passed, error: null, durationMs: 3 });

describe('ResultsFile', () => {
  it('keeps whole lines, cuts the partial line a kill left, and appends after them', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'instructsmith-results-')), 'results.jsonl');
    const first = new ResultsFile(file);
    expect(first.previous).toEqual([]);
    first.append(line('HumanEval/0', 0, true));
    first.append(line('HumanEval/1', 0, false));
    first.close();
    appendFileSync(file, '{"task_id":"HumanEval/2","sam'); // the write in flight at a kill
    const second = new ResultsFile(file);
    expect(second.previous.map((l) => [l.task_id, l.passed])).toEqual([['HumanEval/0', true], ['HumanEval/1', false]]);
    second.append(line('HumanEval/2', 0, true));
    second.close();
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).task_id)).toEqual(['HumanEval/0', 'HumanEval/1', 'HumanEval/2']);
  });

  it('names the file and line of a damaged whole line, and refuses a file of something else', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'instructsmith-results-')), 'results.jsonl');
    writeFileSync(file, `${JSON.stringify(line('a', 0, true))}\n{oops}\n`);
    expect(() => new ResultsFile(file)).toThrow(/results\.jsonl:2.*not valid JSON/s);
    writeFileSync(file, `${JSON.stringify({ instruction: 'x' })}\n`);
    expect(() => new ResultsFile(file)).toThrow(/not an evaluation result/);
  });
});
