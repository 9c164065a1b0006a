import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { findExecutable } from '../../core/verify/batch.js';
import { main } from '../main.js';

describe.skipIf(!findExecutable('pylint'))('instructsmith verify', () => {
  it('checks a ShareGPT dataset with the real analyzers and prints the per-language table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verify-cli-'));
    const rows = [
      { conversations: [{ from: 'human', value: 'add' }, { from: 'gpt', value: '```python\ndef add(a, b):\n    return a + b\n```' }] },
      { conversations: [{ from: 'human', value: 'bad' }, { from: 'gpt', value: '```python\ndef f():\n    return missing_name\n```' }] },
    ];
    await writeFile(join(dir, 'd.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['verify', join(dir, 'd.jsonl'), '--out', join(dir, 'out')])).toBe(0);
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toMatch(/kept 1, rejected 1[\s\S]*python\s+2\s+1\s+1/);
    } finally {
      out.mockRestore();
    }
    const rejected = JSON.parse(await readFile(join(dir, 'out', 'rejected.jsonl'), 'utf8'));
    expect(rejected.verify.reason).toBe('python: E0602 undefined-variable (line 2)');
  }, 60_000);

  it('takes analyzer options and gate policy from --options, and rejects unknown plugin options', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verify-cli-'));
    await writeFile(join(dir, 'd.jsonl'), JSON.stringify({ instruction: 'x', output: '```python\nimport os\n\nprint(1)\n```' }));
    await writeFile(join(dir, 'opts.yaml'), 'plugins:\n  analyzer:python: { enable: [unused-import] }\nverify: { batchSize: 8 }\n');
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['verify', join(dir, 'd.jsonl'), '--out', join(dir, 'out'), '--options', join(dir, 'opts.yaml')])).toBe(0);
      expect(JSON.parse(await readFile(join(dir, 'out', 'rejected.jsonl'), 'utf8')).verify.reason).toBe('python: W0611 unused-import (line 1)');
      await writeFile(join(dir, 'bad.yaml'), 'plugins:\n  analyzer:python: { enabel: [x] }\n');
      expect(await main(['verify', join(dir, 'd.jsonl'), '--out', join(dir, 'out2'), '--options', join(dir, 'bad.yaml')])).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/plugins\.analyzer:python\.enabel/);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }, 60_000);

  it('exits 2 on a bad flag value, naming it', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['verify', 'x.jsonl', '--unhandled', 'maybe'])).toBe(2);
    } finally {
      err.mockRestore();
    }
  });
});
