import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../../core/index.js';
import { runPreset } from '../../../core/testing/index.js';
import { builtinPlugins, implicitPlugins } from '../../index.js';

const HUMANEVAL = fileURLToPath(new URL('../../../../shared/data/humaneval/HumanEval.jsonl.gz', import.meta.url));

/** A pool of instructions made from the first `n` HumanEval problems: "Write a Python function `fn` that <first docstring line>". */
function pool(n: number): string {
  const rows = gunzipSync(readFileSync(HUMANEVAL))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, n)
    .map((l) => JSON.parse(l) as { task_id: string; prompt: string; entry_point: string })
    .map((p) => {
      const doc = /"""\s*([\s\S]*?)(\n|""")/.exec(p.prompt)?.[1]?.trim() ?? 'solves the task.';
      return { id: p.task_id, instruction: `Write a Python function \`${p.entry_point}\` for this task: ${doc}` };
    });
  const file = join(mkdtempSync(join(tmpdir(), 'infinity-pool-')), 'pool.jsonl');
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

function preset(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'infinity-preset-')), 'phase2.yaml');
  const lines = [
    'name: infinity-phase2-test',
    'description: evolution, compliance check, multi-turn answers, pylint',
    'plugins:',
    '  seed:jsonl: { fields: { code: instruction, id: id } }',
    '  strategy:infinity: {}',
    '  judge:compliance: {}',
    '  responder:conversation: {}',
    '  analyzer:python: {}',
  ];
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe.skipIf(!findExecutable('pylint'))('mock:scripted for Infinity Instruct Phase 2 (evolution, compliance, conversations)', () => {
  it('every planted fault drops something with its reason, the rest are 2-4 round conversations', async () => {
    const run = await runPreset({ preset: preset(), seeds: pool(40), builtins: builtinPlugins, implicit: implicitPlugins, overrides: { model: 'mock:scripted', concurrency: 2 } });
    expect(run.result.status).toBe('complete');
    expect(run.kept.length + run.rejected.length).toBe(40);
    const by = (category: string) => run.rejected.filter((r) => r.dropped?.category === category);

    // Unchanged evolutions: the cheap check, no compliance call.
    expect(by('evolution_unchanged').length).toBeGreaterThan(0);
    for (const r of by('evolution_unchanged')) expect(r.messages[0]!.content).toBe(r.lineage.details!.original);
    // Non-compliant evolutions, with the check's reason.
    expect(by('evolution_failed').length).toBeGreaterThan(0);
    for (const r of by('evolution_failed')) expect(r.dropped!.reason).toMatch(/did not comply: The added requirement contradicts/);
    // An undefined name in a later turn: pylint drops the whole conversation.
    const pylint = by('python: E0602 undefined-variable');
    expect(pylint.length).toBeGreaterThan(0);
    expect(pylint.some((r) => !r.messages[1]!.content.includes('undefined_offset') && r.messages.slice(2).some((m) => m.role === 'assistant' && m.content.includes('undefined_offset')))).toBe(true);

    expect(run.kept.length).toBeGreaterThan(10);
    for (const r of run.kept) {
      const assistant = r.messages.filter((m) => m.role === 'assistant').length;
      expect(assistant).toBeGreaterThanOrEqual(2);
      expect(assistant).toBeLessThanOrEqual(4);
      expect(r.messages.map((m) => m.role)).toEqual(r.messages.map((_, i) => (i % 2 === 0 ? 'user' : 'assistant')));
      expect(r.messages[0]!.content).not.toBe(r.lineage.details!.original);
      expect(r.meta['judge:compliance']).toMatchObject({ complied: true });
    }
  }, 180_000);
});
