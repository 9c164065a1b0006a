/**
 * End to end: the semi-instruct preset over the 164 HumanEval problems (prompt + canonical_solution as
 * the natural code), against the LLM test double, with real sandboxed execution. A scripted model
 * answers with test inputs taken from HumanEval's own asserts and, deterministically per problem,
 * plants the faults the validation step must catch: a wrong refined solution (sample dropped with
 * the failing case) and an input the original code crashes on (input discarded, sample kept).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleRecord } from '../../../core/index.js';
import { startLlmDouble, type LlmDouble, type ReplyFn } from '../../../test/double/index.js';
import { HUMANEVAL, readJsonl, runPreset, tempDir } from '../../../test/e2e/helpers.js';
import type { SemiInstructMeta } from './index.js';

interface Problem {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  test: string;
  entry_point: string;
}

const problems = gunzipSync(readFileSync(HUMANEVAL))
  .toString('utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Problem);

function bucket(text: string, n: number): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) % n;
}

/** Argument lists of `candidate(...)` calls in a HumanEval test, parentheses balanced, strings respected. */
export function candidateArgs(test: string): string[] {
  const out: string[] = [];
  let at = test.indexOf('candidate(');
  while (at >= 0) {
    let depth = 0;
    let quote = '';
    let i = at + 'candidate'.length;
    for (; i < test.length; i++) {
      const ch = test[i]!;
      if (quote) {
        if (ch === '\\') i++;
        else if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '(' || ch === '[' || ch === '{') depth++;
      else if (ch === ')' || ch === ']' || ch === '}') {
        depth--;
        if (depth === 0) break;
      }
    }
    const args = test.slice(at + 'candidate('.length, i).trim();
    if (args && !out.includes(args)) out.push(args);
    at = test.indexOf('candidate(', i);
  }
  return out;
}

/** Planted faults, by problem: 0 = wrong refined solution, 1 = an input the original crashes on. */
const faultOf = (p: Problem) => bucket(p.task_id, 6);

const semiInstructModel: ReplyFn = (req) => {
  if (req.schemaName !== 'semi_instruct') return undefined;
  const entry = /named `([A-Za-z_]\w*)`/.exec(req.lastUser)?.[1] ?? '';
  const n = Number(/exactly (\d+) different test inputs/.exec(req.lastUser)?.[1] ?? 5);
  // By code, not by entry point: HumanEval reuses names (two `add`, two `correct_bracketing`, ...).
  const p = problems.find((q) => req.lastUser.includes((q.prompt + q.canonical_solution).trim()));
  if (!p) return { instruction: 'Write a function that returns its argument unchanged.', inputs: ['1'], solution: `def ${entry}(x):\n    return x\n` };
  const inputs = candidateArgs(p.test).slice(0, n);
  const fault = faultOf(p);
  if (fault === 1) inputs.splice(0, 1, 'None, None, None, None, None, None');
  const canonical = p.prompt + p.canonical_solution;
  const solution = fault === 0 ? `${canonical}\n\n_reference = ${entry}\n\ndef ${entry}(*args):\n    return ("wrong", _reference(*args))\n` : canonical;
  return {
    instruction: `Implement \`${entry}\` in Python.\n\n${/"""([\s\S]*?)"""/.exec(p.prompt)?.[1]?.trim() ?? 'See the signature.'}`,
    inputs,
    solution,
  };
};

describe('semi-instruct preset over the 164 HumanEval problems', () => {
  let double: LlmDouble;
  let out: string;
  let result: Awaited<ReturnType<typeof runPreset>>;
  let kept: SampleRecord[];
  let rejected: SampleRecord[];

  beforeAll(async () => {
    double = await startLlmDouble();
    double.reply(semiInstructModel);
    out = tempDir('semi-e2e');
    result = await runPreset({ preset: 'semi-instruct', seeds: HUMANEVAL, model: 'openai:scripted-coder', baseUrl: double.url, out, concurrency: 4 });
    kept = readJsonl<SampleRecord>(join(out, 'samples.jsonl'));
    rejected = readJsonl<SampleRecord>(join(out, 'rejected.jsonl'));
  }, 600_000);
  afterAll(async () => double?.close());

  it('reads every seed and the funnel adds up', () => {
    const f = result.funnel;
    expect(result.status).toBe('complete');
    expect(f.seeds.read).toBe(164);
    expect(kept.length + rejected.length).toBe(164);
    expect(kept).toHaveLength(f.kept);
    expect(rejected).toHaveLength(f.rejected);
    for (const s of Object.values(f.stages)) {
      expect(s.in - s.out).toBe(Object.values(s.dropped).reduce((a, b) => a + b, 0));
    }
    // A seed with no instruction is a drop at `synthesized` too, so every rejection is a stage's drop.
    const drops = Object.values(f.stages).reduce((a, s) => a + (s.in - s.out), 0);
    expect(f.rejected).toBe(drops);
    expect(f.stages.synthesized.in).toBe(164);
    expect(f.stages.filtered.out).toBe(f.kept);
  });

  it('drops every planted wrong solution with its failing case, and keeps the canonical ones', () => {
    const problemOf = (r: SampleRecord) => problems.find((p) => p.prompt + p.canonical_solution === (r.meta['strategy:semi-instruct'] as SemiInstructMeta).originalCode)!;
    // A few HumanEval asserts call `candidate` with names only the test defines: no input runs.
    const noInputs = rejected.filter((r) => r.dropped?.category === 'no_valid_inputs');
    for (const r of noInputs) expect(r.dropped!.reason).toMatch(/^only 0 of \d+ inputs ran on the original code \(need 1\); first failure: NameError/);
    expect(noInputs.length).toBeLessThan(6);
    const noInputIds = new Set(noInputs.map((r) => problemOf(r).task_id));
    const wrong = problems.filter((p) => faultOf(p) === 0 && !noInputIds.has(p.task_id)).map((p) => p.task_id);
    const mismatched = rejected.filter((r) => r.dropped?.category === 'mismatch');
    expect(wrong.length).toBeGreaterThan(15);
    expect(mismatched.map((r) => problemOf(r).task_id).sort()).toEqual([...wrong].sort());
    for (const r of mismatched) {
      expect(r.dropped).toMatchObject({ stage: 'synthesized', plugin: 'strategy:semi-instruct' });
      expect(r.dropped!.reason).toMatch(/^test case 1 of \d+, input .*: expected .*, got \{"\$tuple":\["wrong"/);
      expect(r.checks[0]!.diagnostics.some((d) => d.rule === 'output-mismatch' && d.severity === 'error')).toBe(true);
    }
    // Tests that can fail (issue #11): a canonical solution whose generated inputs kill no trivial
    // mutant is dropped, and so is an instruction the scripted model wrote twice (dedup).
    const weak = rejected.filter((r) => r.dropped?.category === 'weak_tests');
    for (const r of weak) expect(r.dropped).toMatchObject({ stage: 'synthesized', plugin: 'strategy:semi-instruct', reason: expect.stringMatching(/^no trivial mutant of the original fails a test case \(.+ all survive\)$/) });
    const duplicates = rejected.filter((r) => r.dropped?.plugin === 'filter:dedup');
    for (const r of duplicates) expect(r.dropped).toMatchObject({ stage: 'filtered', reason: expect.stringMatching(/^(near-duplicate|exact duplicate) of sample [0-9a-f]{16}/) });
    expect(weak.length + duplicates.length).toBeLessThan(12);
    // Everything else is kept: the canonical code reproduces its own outputs.
    expect(rejected.length).toBe(mismatched.length + noInputs.length + weak.length + duplicates.length);
    expect(kept.length).toBe(164 - wrong.length - noInputs.length - weak.length - duplicates.length);
  });

  it('discards inputs the original code crashes on, with the reason, and keeps the sample', () => {
    const crashed = kept.filter((r) => (r.meta['strategy:semi-instruct'] as SemiInstructMeta).discardedInputs.some((d) => d.input.startsWith('None, None')));
    expect(crashed.length).toBeGreaterThan(10);
    for (const r of crashed) {
      const m = r.meta['strategy:semi-instruct'] as SemiInstructMeta;
      expect(m.discardedInputs.find((d) => d.input.startsWith('None'))!.reason).toMatch(/^original code failed: TypeError/);
      expect(m.testCases.every((t) => !t.input.startsWith('None'))).toBe(true);
    }
  });

  it('kept samples carry instruction, fenced solution, test cases with outputs, the execution check and the curriculum rank', () => {
    for (const r of kept) {
      expect(r.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(r.messages[1]!.content).toMatch(/^```python\n[\s\S]*\n```$/);
      const m = r.meta['strategy:semi-instruct'] as SemiInstructMeta;
      expect(m.mode).toBe('function');
      expect(m.testCases.length).toBeGreaterThanOrEqual(1);
      expect(m.testCases.length).toBeLessThanOrEqual(5);
      expect(r.meta.curriculum).toEqual({ by: 'test_cases', value: m.testCases.length, order: 'fewest-first', rank: m.testCases.length });
      expect(r.checks).toEqual([expect.objectContaining({ plugin: 'strategy:semi-instruct', passed: true })]);
      expect(r.usage.map((u) => u.plugin)).toEqual(['strategy:semi-instruct']);
    }
    // Real outputs, computed by running the original: HumanEval/0 has_close_elements returns booleans.
    const he0 = kept.find((r) => r.lineage.seedId && (r.meta['strategy:semi-instruct'] as SemiInstructMeta).entryPoint === 'has_close_elements');
    if (he0) {
      const outputs = (he0.meta['strategy:semi-instruct'] as SemiInstructMeta).testCases.map((t) => t.output);
      expect(outputs.every((o) => typeof o === 'boolean')).toBe(true);
      expect(new Set(outputs).size).toBe(2);
    }
  });

  it('exports the kept samples, the train file in curriculum order (fewest test cases first)', () => {
    const train = readJsonl(join(out, 'export', 'messages', 'train.jsonl')) as Array<{ id: string }>;
    const exported = train.length + readJsonl(join(out, 'export', 'messages', 'validation.jsonl')).length;
    expect(exported).toBe(result.funnel.kept);
    const cases = new Map(kept.map((r) => [r.id, (r.meta['strategy:semi-instruct'] as SemiInstructMeta).testCases.length]));
    const counts = train.map((row) => cases.get(row.id)!);
    expect(counts.every((n) => typeof n === 'number')).toBe(true);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
    // More than one count, or the order check above proves nothing.
    expect(new Set(counts).size).toBeGreaterThan(1);
    const report = JSON.parse(readFileSync(join(out, 'export', 'messages', 'export.json'), 'utf8'));
    expect(report.settings.order).toBe('curriculum');
    expect(report.curriculum.unranked).toBe(0);
  });
});
