import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { extractCodeBlocks, looksLikeCode } from './extract.js';

describe('extractCodeBlocks', () => {
  it('finds several fenced blocks, language from the fence else the record', () => {
    const text = [
      'Here is the function:',
      '',
      '```py',
      'def f(x):',
      '    return x',
      '```',
      '',
      'And a test:',
      '~~~',
      'assert f(1) == 1',
      '~~~',
      'Run it with:',
      '```bash',
      'python -m pytest',
      '```',
    ].join('\n');
    const blocks = extractCodeBlocks(text, 'python');
    expect(blocks.map((b) => [b.index, b.language, b.code, b.startLine])).toEqual([
      [0, 'python', 'def f(x):\n    return x', 4],
      [1, 'python', 'assert f(1) == 1', 10],
      [2, 'shell', 'python -m pytest', 14],
    ]);
    expect(blocks.every((b) => b.fenced)).toBe(true);
  });

  it('leaves out output, data and transcript fences, and empty blocks', () => {
    const text = '```text\nhello\n```\n```json\n{"a": 1}\n```\n```console\n$ ls\n```\n```python\n\n```\n```python\nprint(1)\n```';
    expect(extractCodeBlocks(text, 'python').map((b) => b.code)).toEqual(['print(1)']);
  });

  it('keeps an unknown language tag as written instead of checking it as the record language', () => {
    const [b] = extractCodeBlocks('```haskell\nmain = putStrLn "hi"\n```', 'python');
    expect(b!.language).toBe('haskell');
  });

  it('takes the SQL dialect from the fence name or a dialect= attribute', () => {
    const text = '```postgres\nSELECT 1;\n```\n```sql dialect=bigquery\nSELECT 2\n```\n```sql\nSELECT 3;\n```';
    expect(extractCodeBlocks(text, 'python').map((b) => [b.language, b.dialect])).toEqual([
      ['sql', 'postgres'],
      ['sql', 'bigquery'],
      ['sql', undefined],
    ]);
  });

  it('follows CommonMark: longer closing fence, indented fence, inner shorter fence, unclosed fence', () => {
    const nested = '````markdown\n```py\nx = 1\n```\n````\n';
    expect(extractCodeBlocks(nested, 'python')).toEqual([]);
    const indented = '1. Step\n   ```js\n   const a = 1;\n     b();\n   ```\n';
    expect(extractCodeBlocks(indented, 'python')[0]!.code).toBe('const a = 1;\n  b();');
    const unclosed = 'Answer:\n```go\npackage main\n';
    expect(extractCodeBlocks(unclosed, 'python')[0]).toMatchObject({ language: 'go', code: 'package main\n' });
    expect(extractCodeBlocks('Use ```x``` inline when you mention a name.', 'python')).toEqual([]);
  });

  it('takes a whole unfenced answer when it is code, not when it is prose', () => {
    const code = '\n\nimport sys\n\ndef main():\n    print(sys.argv)\n';
    expect(extractCodeBlocks(code, 'python')).toEqual([{ index: 0, language: 'python', code: 'import sys\n\ndef main():\n    print(sys.argv)', startLine: 3, fenced: false }]);
    expect(extractCodeBlocks('The answer is to sort the list first and then scan it once.', 'python')).toEqual([]);
    expect(extractCodeBlocks('', 'python')).toEqual([]);
  });

  it('reads every HumanEval prompt + canonical solution, unfenced, as one python block', () => {
    const file = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'humaneval', 'HumanEval.jsonl.gz');
    const rows = gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { task_id: string; prompt: string; canonical_solution: string });
    const notCode = rows.filter((r) => !looksLikeCode(r.prompt + r.canonical_solution)).map((r) => r.task_id);
    expect(notCode).toEqual([]);
  });
});

describe('looksLikeCode', () => {
  it('ignores comments and docstrings but not prose paragraphs between code', () => {
    expect(looksLikeCode('// Compute the sum of all the numbers in the list.\nconst s = xs.reduce((a, b) => a + b, 0);')).toBe(true);
    expect(looksLikeCode('To do this, first install the package.\nThen run the script with python.\nx = 1')).toBe(false);
    expect(looksLikeCode('SELECT name FROM users WHERE id = 1;')).toBe(true);
  });
});
