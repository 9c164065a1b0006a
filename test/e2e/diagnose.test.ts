import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleRecord } from '../../core/index.js';
import { packageRoot } from '../../core/paths.js';
import { EVALUATION_FORMATS, readCodeBenchmark, type CodeItem } from '../../plugins/evaluators/code/index.js';
import type { Diagnosis } from '../../plugins/evaluators/diagnosis/types.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import type { ReplyRequest } from '../double/types.js';
import { HUMANEVAL, readJsonl, tempDir } from './helpers.js';

const ITEMS = readCodeBenchmark(HUMANEVAL, EVALUATION_FORMATS.humaneval).items.slice(0, 40);
const TARGET = 'openai:target-coder';
const TEACHER = 'openai:scripted-teacher';

/** The planted weak area: the target model is wrong on every item whose prompt is about strings. */
const isStringItem = (item: CodeItem) => item.prompt.toLowerCase().includes('string');
/** Besides, it raises on a few others (task number 3 mod 7, not about strings). */
const raisesOn = (item: CodeItem) => !isStringItem(item) && Number(item.id.split('/')[1]) % 7 === 3;

/** The target model's answers to evaluate's prompts: an off-by-one function on string items, a raising body on a few others, else the canonical body. */
function targetReply(req: ReplyRequest): string | undefined {
  if (req.model !== 'target-coder') return undefined;
  const user = req.messages?.at(-1)?.content ?? '';
  const item = ITEMS.find((i) => user.includes(i.prompt.trim()));
  if (!item) return undefined;
  if (isStringItem(item)) {
    const e = item.entryPoint!;
    return ['```python', item.prompt + item.solution!, `_right = ${e}`, `def ${e}(*args, **kwargs):`, '    r = _right(*args, **kwargs)', "    return r + 'x' if isinstance(r, str) else (not r if isinstance(r, bool) else ('wrong', r))", '```'].join('\n');
  }
  if (raisesOn(item)) return "```python\n    raise ValueError('planted failure')\n```";
  return `\`\`\`python\n${item.solution}\`\`\``;
}

async function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'cli/bin.ts'), ...args], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stdout, stderr };
}

describe('instructsmith diagnose (evaluate, then diagnosis and targeted synthesis, through the HTTP double)', () => {
  let double: LlmDouble;
  let evalDir: string;
  let runDir: string;
  let diagnosis: Diagnosis;
  let first: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    double = await startLlmDouble({ models: ['target-coder', 'scripted-teacher'] });
    double.reply(targetReply);
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    evalDir = tempDir('diagnose-eval');
    runDir = join(evalDir, 'targeted');
    const evaluated = await runCli(['evaluate', '--model', TARGET, '--base-url', double.url, '--benchmark', HUMANEVAL, '--out', evalDir, '--limit', '40', '--concurrency', '4']);
    expect(evaluated.stderr).not.toMatch(/^instructsmith:/m);
    expect(evaluated.code).toBe(0);
    first = await runCli(['diagnose', evalDir, '--model', TEACHER, '--base-url', double.url, '--top', '3', '--per-deficiency', '6', '--concurrency', '4']);
    diagnosis = JSON.parse(readFileSync(join(evalDir, 'diagnosis.json'), 'utf8')) as Diagnosis;
  }, 600_000);
  afterAll(async () => double?.close());

  it('ranks the planted weak area first, with the failed string items as its evidence', () => {
    expect(first.stderr).not.toMatch(/^instructsmith:/m);
    expect(first.code).toBe(0);
    const strings = ITEMS.filter(isStringItem).map((i) => i.id);
    const raising = ITEMS.filter(raisesOn).map((i) => i.id);
    expect(strings.length).toBe(17);
    expect(diagnosis.items).toBe(40);
    expect(diagnosis.passAt1).toBe((40 - strings.length - raising.length) / 40);
    expect(diagnosis.failed).toBe(strings.length + raising.length);
    // Every failure is in the file: diagnosed, or undiagnosed with the reason (the scripted model's invalid replies).
    expect(diagnosis.failures.map((f) => f.id).sort()).toEqual([...strings, ...raising].sort());
    const undiagnosed = diagnosis.failures.filter((f) => f.undiagnosed);
    expect(undiagnosed.length).toBe(diagnosis.undiagnosed);
    for (const f of undiagnosed) expect(f.undiagnosed).toMatch(/\S/);
    const top = diagnosis.deficiencies[0]!;
    // The scripted diagnoser writes this ability four ways; the tagging normaliser merges them into one key.
    expect(top.key).toBe('string manipulation');
    expect(top.evidence).toEqual(strings.filter((id) => !undiagnosed.some((u) => u.id === id)));
    expect(top.count).toBe(top.evidence.length);
    expect(top.count).toBeGreaterThan(diagnosis.deficiencies[1]!.count);
    expect(top.categories[0]).toBe('String Processing');
    // Exceptions are diagnosed as error handling, with the raising items as evidence.
    const errors = diagnosis.deficiencies.find((d) => d.key === 'error handling')!;
    expect(errors.evidence).toEqual(raising.filter((id) => !undiagnosed.some((u) => u.id === id)));
    // Level-2 tags only from the category list; the off-list answer is left out and noted.
    for (const f of diagnosis.failures) for (const c of f.categories) expect(c).not.toBe('Quantum Computing');
    expect(diagnosis.failures.some((f) => f.unknownCategories?.includes('Quantum Computing'))).toBe(true);
    expect(diagnosis.weakCategories[0]!.category).toBe('String Processing');
  });

  it('tags every item, and pass@1 per level-2 tag adds up to the overall', () => {
    expect(diagnosis.tags.map((t) => t.id)).toEqual(ITEMS.map((i) => i.id));
    const rows = diagnosis.byCategory;
    expect(rows.reduce((s, r) => s + r.items, 0)).toBe(40);
    expect(rows.reduce((s, r) => s + r.passed, 0)).toBeCloseTo(diagnosis.passAt1 * 40, 12);
    for (const r of rows) expect(r.passAt1).toBeCloseTo(r.passed / r.items, 12);
    // The weak area shows in the table: string items fail, so their tag scores below the overall.
    const strings = rows.find((r) => r.category === 'String Processing')!;
    expect(strings.passAt1).toBeLessThan(diagnosis.passAt1);
    const md = readFileSync(join(evalDir, 'diagnosis.md'), 'utf8');
    expect(md).toContain(`pass@1 **${diagnosis.passAt1.toFixed(4)}**`);
    expect(md).toContain(`| 1 | ${diagnosis.deficiencies[0]!.ability} | String Processing`);
  });

  it('synthesises targeted samples for the top deficiencies, in proportion, and every kept one passed every gate', () => {
    const kept = readJsonl<SampleRecord>(join(runDir, 'samples.jsonl'));
    const rejected = readJsonl<SampleRecord>(join(runDir, 'rejected.jsonl'));
    const all = [...kept, ...rejected];
    const topKeys = diagnosis.deficiencies.slice(0, 3).map((d) => d.key);
    const made = (key: string) => all.filter((r) => r.lineage.details?.deficiency === key).length;
    expect(made(topKeys[0]!)).toBe(6);
    for (const d of diagnosis.deficiencies.slice(1, 3)) expect(made(d.key)).toBe(Math.max(1, Math.round((6 * d.count) / diagnosis.deficiencies[0]!.count)));
    expect(new Set(all.map((r) => r.lineage.details?.deficiency))).toEqual(new Set(topKeys));
    expect(kept.length).toBeGreaterThan(0);
    for (const r of kept) {
      expect(r.lineage.strategy).toBe('strategy:targeted');
      expect(r.label?.ability_en).toEqual([r.lineage.details!.deficiency]);
      const quality = r.scores.find((s) => s.judge === 'judge:quality')!;
      expect(quality.passed).toBe(true);
      expect(r.checks.length).toBeGreaterThan(0);
      for (const c of r.checks) expect(c.passed).toBe(true);
      expect(r.dropped).toBeUndefined();
      expect(r.messages.at(-1)!.role).toBe('assistant');
    }
    // The planted faults are caught by the gates that should catch them.
    const by = (plugin: string) => rejected.filter((r) => r.dropped?.plugin === plugin);
    expect(by('filter:decontaminate').length).toBeGreaterThan(0);
    for (const r of by('filter:decontaminate')) expect(r.dropped!.reason).toContain('humaneval');
    expect(by('judge:quality').length + by('analyzer:python').length + by('filter:dedup').length).toBeGreaterThan(0);
    // No kept instruction holds a benchmark prompt's docstring.
    for (const r of kept) for (const item of ITEMS) expect(r.messages[0]!.content).not.toContain(/"""([\s\S]*?)"""/.exec(item.prompt)?.[1]?.trim() ?? '\u0000');
    // diagnosis.md now says how many targeted samples each deficiency got.
    expect(diagnosis.targeted!.counts[topKeys[0]!]).toEqual({ kept: kept.filter((r) => r.lineage.details?.deficiency === topKeys[0]).length, rejected: rejected.filter((r) => r.lineage.details?.deficiency === topKeys[0]).length });
    expect(readFileSync(join(evalDir, 'diagnosis.md'), 'utf8')).toContain(`| ${diagnosis.targeted!.counts[topKeys[0]!]!.kept} (${diagnosis.targeted!.counts[topKeys[0]!]!.rejected}) |`);
    // Deficiencies below --top are skipped as seeds, and counted.
    const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
    expect(run.funnel.seeds.skipped.below_top).toBe(diagnosis.deficiencies.length - 3);
  });

  it('is deterministic: a second diagnose asks again only the calls that never validated, and writes the same diagnosis', async () => {
    const before = double.requests.length;
    const again = await runCli(['diagnose', evalDir, '--model', TEACHER, '--base-url', double.url, '--top', '3', '--per-deficiency', '6']);
    expect(again.code).toBe(0);
    // Only the calls whose replies never validated are asked again (a failed call is not cached): the undiagnosed and untagged items'.
    const retried = new Set([...diagnosis.failures.filter((f) => f.undiagnosed).map((f) => f.id), ...diagnosis.tags.filter((t) => t.taggingFailed).map((t) => t.id)]);
    const asked = double.requests.slice(before).map((r) => ITEMS.find((i) => (r.messages?.at(-1)?.content ?? '').includes(i.prompt.trim()))?.id);
    expect(asked.length).toBeGreaterThan(0);
    for (const id of asked) expect(retried.has(id!), String(id)).toBe(true);
    expect(JSON.parse(readFileSync(join(evalDir, 'diagnosis.json'), 'utf8'))).toEqual(diagnosis);
  }, 300_000);
});
