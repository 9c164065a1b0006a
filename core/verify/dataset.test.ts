import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { readDataset, rowFromJson } from './dataset.js';

describe('rowFromJson', () => {
  it('reads OpenAI messages, ShareGPT and Alpaca forms', () => {
    expect(rowFromJson({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }], language: 'Go' }, 'f', 1)).toMatchObject({
      format: 'messages',
      language: 'go',
      messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }],
    });
    expect(rowFromJson({ conversations: [{ from: 'system', value: 's' }, { from: 'human', value: 'q' }, { from: 'gpt', value: 'a' }] }, 'f', 1).messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(rowFromJson({ instruction: 'Sort this.', input: '[3, 1]', output: 'x' }, 'f', 1).messages).toEqual([
      { role: 'user', content: 'Sort this.\n\n[3, 1]' },
      { role: 'assistant', content: 'x' },
    ]);
  });

  it('names file, line and the expected forms for a bad line', () => {
    expect(() => rowFromJson({ prompt: 'x', completion: 'y' }, 'data.jsonl', 7)).toThrow(/data\.jsonl:7: unrecognised record with keys prompt, completion/);
    expect(() => rowFromJson({ conversations: [{ from: 'robot', value: 'x' }] }, 'data.jsonl', 2)).toThrow(/data\.jsonl:2: conversations\[0\]/);
    expect(() => rowFromJson({ messages: [{ role: 'tool', content: 'x' }] }, 'd', 3)).toThrow(InputError);
  });
});

describe('readDataset', () => {
  it('streams .jsonl and .jsonl.gz, skipping blank lines and keeping line numbers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dataset-'));
    const text = `${JSON.stringify({ instruction: 'a', output: 'b' })}\n\n${JSON.stringify({ instruction: 'c', output: 'd' })}\n`;
    await writeFile(join(dir, 'd.jsonl'), text);
    await writeFile(join(dir, 'd.jsonl.gz'), gzipSync(text));
    for (const f of ['d.jsonl', 'd.jsonl.gz']) {
      const lines: number[] = [];
      for await (const row of readDataset(join(dir, f))) lines.push(row.line);
      expect(lines).toEqual([1, 3]);
    }
  });

  it('reports a line that is not JSON with its number', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dataset-'));
    await writeFile(join(dir, 'bad.jsonl'), `${JSON.stringify({ instruction: 'a', output: 'b' })}\n{"instruction": \n`);
    const rows = async () => {
      for await (const _ of readDataset(join(dir, 'bad.jsonl'))) void _;
    };
    await expect(rows()).rejects.toThrow(/bad\.jsonl:2: not valid JSON/);
  });
});
