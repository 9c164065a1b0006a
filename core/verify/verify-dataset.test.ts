import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHooks, type CodeSample } from '../hooks.js';
import type { CheckResult } from '../record.js';
import { formatVerifyReport, verifyDataset } from './verify-dataset.js';

/** Python analyzer double: `undefined_name` in a line is an error. */
function hooksWithFake(calls: number[]) {
  const hooks = createHooks();
  hooks.analyze.for('python').tapPromise('analyzer:python', async (samples: CodeSample[]): Promise<CheckResult[]> => {
    calls.push(samples.length);
    return samples.map((s) => {
      const bad = s.code.includes('undefined_name');
      return { plugin: 'analyzer:python', tool: 'fake', language: 'python', passed: !bad, diagnostics: bad ? [{ tool: 'fake', rule: 'E0602 undefined-variable', severity: 'error', message: 'x', line: 1 }] : [] };
    });
  });
  return hooks;
}

const answer = (code: string) => `Here you go:\n\`\`\`python\n${code}\n\`\`\``;

describe('verifyDataset', () => {
  it('writes kept and rejected in input order with checks and reasons, and a report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verify-'));
    const rows = Array.from({ length: 40 }, (_, i) =>
      i % 3 === 0
        ? { instruction: `task ${i}`, output: answer(`print(undefined_name)  # ${i}`) }
        : { messages: [{ role: 'user', content: `task ${i}` }, { role: 'assistant', content: answer(`print(${i})`) }] },
    );
    rows.push({ instruction: 'explain', output: 'Sorting first and then scanning once is the simplest way to do it.' });
    await writeFile(join(dir, 'in.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
    const calls: number[] = [];
    const report = await verifyDataset({ input: join(dir, 'in.jsonl'), outDir: join(dir, 'out'), hooks: hooksWithFake(calls), concurrency: 16, policy: { batchSize: 8 } });
    expect(report).toMatchObject({ records: 41, kept: 26, rejected: 15, formats: { alpaca: 15, messages: 26 } });
    expect(Math.max(...calls)).toBe(8); // concurrent records were batched
    const kept = (await readFile(join(dir, 'out', 'kept.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const rejected = (await readFile(join(dir, 'out', 'rejected.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(kept.map((r) => r.verify.line)).toEqual(rows.flatMap((_, i) => (i % 3 !== 0 && i < 40 ? [i + 1] : [])));
    expect(kept[0]).toMatchObject({ messages: rows[1]!.messages, verify: { passed: true, checks: [{ plugin: 'analyzer:python', passed: true }] } });
    expect(rejected[0].verify.reason).toBe('python: E0602 undefined-variable (line 1)');
    expect(rejected.at(-1).verify).toMatchObject({ line: 41, reason: 'no code block', checks: [] });
    const saved = JSON.parse(await readFile(join(dir, 'out', 'report.json'), 'utf8'));
    expect(saved.stats.byRule).toEqual({ 'python: E0602 undefined-variable': 14 });
    expect(formatVerifyReport(report)).toMatch(/python\s+40\s+26\s+14\s+0\s+14/);
    expect(report.stats.analyzers.python).toMatchObject({ calls: calls.length, samples: 40, maxBatch: 8 });
    expect(formatVerifyReport(report)).toContain(`python: ${calls.length} analyzer calls, ${report.stats.analyzers.python!.meanBatch} samples per call (max 8)`);
  });

  it('stops at a malformed line with file:line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verify-'));
    await writeFile(join(dir, 'in.jsonl'), `${JSON.stringify({ instruction: 'a', output: answer('x = 1') })}\n{"oops": 1}\n`);
    await expect(verifyDataset({ input: join(dir, 'in.jsonl'), outDir: join(dir, 'out'), hooks: hooksWithFake([]) })).rejects.toThrow(/in\.jsonl:2: unrecognised record/);
  });

  it('says when the input file does not exist', async () => {
    await expect(verifyDataset({ input: '/nonexistent/x.jsonl', outDir: tmpdir(), hooks: createHooks() })).rejects.toThrow(/x\.jsonl: no such file/);
  });
});
