import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { SampleRecord, Seed } from '../../../core/index.js';
import { createHarness, MockModel, runPreset, type PluginWithOptions } from '../../../core/testing/index.js';
import { builtinPlugins, implicitPlugins } from '../../index.js';
import qualityJudge from '../../judges/quality.js';
import chatResponder from '../../responders/chat.js';
import { jsonlSeeds } from '../../seeds/index.js';
import reverseStrategy from '../../strategies/reverse.js';
import { scriptedModel } from './scripted.js';

const HUMANEVAL = fileURLToPath(new URL('../../../../shared/data/humaneval/HumanEval.jsonl.gz', import.meta.url));
const HUMANEVAL_FIELDS = { fields: { code: ['prompt', 'canonical_solution'], id: 'task_id' }, meta: ['entry_point'] };
const problems = gunzipSync(readFileSync(HUMANEVAL))
  .toString('utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { task_id: string; prompt: string; canonical_solution: string; entry_point: string });
/**
 * What the scripted model answers a problem naming function `fn` with: the canonical HumanEval
 * solution when `fn` is an entry point, else a stand-in definition of `fn`.
 */
const answerFor = (fn: string, known = problems) => {
  const p = known.find((x) => x.entry_point === fn);
  return p ? (p.prompt + p.canonical_solution).trimEnd() : `def ${fn}(values):`;
};
/** The function a problem asks for: the first name in backticks (how the built-in templates' problems name it). */
const functionOf = (problem: string) => /`([A-Za-z_]\w*)`/.exec(problem)![1]!;

/** The first `n` HumanEval problems as a plain .jsonl (the mock provider takes solutions from a `--seeds` JSONL). */
function humanEvalSubset(n: number): { file: string; known: typeof problems } {
  const file = join(mkdtempSync(join(tmpdir(), 'mock-provider-')), 'humaneval-subset.jsonl');
  writeFileSync(file, problems.slice(0, n).map((p) => JSON.stringify(p)).join('\n') + '\n');
  return { file, known: problems.slice(0, n) };
}

describe('mock:scripted answers the built-in templates', () => {
  const plugins: PluginWithOptions[] = [[jsonlSeeds, HUMANEVAL_FIELDS], [reverseStrategy, { rewritesPerSeed: 1 }], [qualityJudge, { judgments: 1 }], chatResponder];

  /** Each of the first `n` seeds through reverse construction, one quality judgment and the chat responder, with the scripted model. */
  async function walk(n: number): Promise<{ seeds: Seed[]; records: SampleRecord[]; model: MockModel }> {
    const model = new MockModel([scriptedModel({ humanEvalPath: HUMANEVAL })]);
    const h = await createHarness(plugins, { model });
    const seeds = (await h.readSeeds(HUMANEVAL)).seeds.slice(0, n);
    const records: SampleRecord[] = [];
    for (const seed of seeds) {
      const [record, ...more] = await h.synthesize(seed);
      expect(more).toEqual([]);
      await h.judge(record!, 'instruction');
      if (!record!.dropped) record!.messages.push(...((await h.respond(record!)) ?? []));
      records.push(record!);
    }
    return { seeds, records, model };
  }

  it('writes a problem naming the function, judges it, and answers with the canonical solution; a fifth or so is judged low', async () => {
    const { seeds, records, model } = await walk(40);
    expect(model.count({ schema: 'reverse_problem' })).toBe(40);
    expect(model.count({ schema: 'rewritten_problem' })).toBe(40);
    expect(model.count({ template: 'judge-quality' })).toBe(40);
    records.forEach((r, i) => {
      // The problem is about the first function the seed defines (some HumanEval prompts define a helper before the entry point).
      const fn = /def\s+([A-Za-z_]\w*)\s*\(/.exec(seeds[i]!.code)![1]!;
      expect(functionOf(r.messages[0]!.content)).toBe(fn);
      expect(r.scores).toHaveLength(1);
      if (r.dropped) {
        expect(r.dropped).toMatchObject({ stage: 'judged', plugin: 'judge:quality', category: 'below_threshold' });
        return;
      }
      expect(r.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(r.messages[1]!.content).toContain(answerFor(fn));
    });
    // Most problems are about the entry point, so most answers are canonical solutions.
    expect(records.filter((r) => !r.dropped && problems.some((p) => p.entry_point === functionOf(r.messages[0]!.content))).length).toBeGreaterThan(20);
    const low = records.filter((r) => r.dropped).length;
    // The planted fault: about 1 problem in 5 gets low scores (a hash bucket of the problem text).
    expect(low).toBeGreaterThan(0);
    expect(low).toBeLessThan(20);
    // The other planted fault, an undefined name for pylint, shows in some answers.
    expect(records.some((r) => r.messages[1]?.content.includes('undefined_offset'))).toBe(true);
  });

  it('is deterministic: a fresh model gives the same records', async () => {
    const a = await walk(10);
    const b = await walk(10);
    expect(b.records).toEqual(a.records);
    expect(b.model.requests.map((r) => r.lastUser)).toEqual(a.model.requests.map((r) => r.lastUser));
  });
});

describe('provider:mock in a run (--model mock:NAME)', () => {
  /** A tiny preset: reverse construction, one judgment, the chat responder (no analyzer: the scripted pylint fault is shown above). */
  function tinyPreset(): string {
    const file = join(mkdtempSync(join(tmpdir(), 'mock-preset-')), 'tiny.yaml');
    const lines = [
      'name: tiny',
      'description: reverse construction, one judgment, chat answers',
      'plugins:',
      '  seed:jsonl: { fields: { code: [prompt, canonical_solution], id: task_id }, meta: [entry_point] }',
      '  strategy:reverse: { rewritesPerSeed: 1 }',
      '  judge:quality: { judgments: 1 }',
      '  responder:chat: {}',
    ];
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  }
  const run = (preset: string, seeds: string, model: string) => runPreset({ preset, seeds, builtins: builtinPlugins, implicit: implicitPlugins, overrides: { model, concurrency: 2 } });

  it('mock:scripted runs the preset with the solutions of the --seeds file, the judge catching its low-quality problems, the same data on a rerun', async () => {
    const { file: seeds, known } = humanEvalSubset(12);
    const preset = tinyPreset();
    const first = await run(preset, seeds, 'mock:scripted');
    expect(first.result.status).toBe('complete');
    expect(first.kept.length + first.rejected.length).toBe(12);
    expect(first.kept.length).toBeGreaterThan(0);
    // The solutions come from the --seeds file: a function that is an entry point only outside these 12 gets the stand-in.
    for (const r of first.kept) expect(r.messages.at(-1)!.content).toContain(answerFor(functionOf(r.messages[0]!.content), known));
    expect(first.kept.some((r) => known.some((p) => r.messages.at(-1)!.content.includes(p.canonical_solution.trimEnd())))).toBe(true);
    expect(first.rejected.length).toBeGreaterThan(0);
    for (const r of first.rejected) expect(r.dropped).toMatchObject({ stage: 'judged', plugin: 'judge:quality', category: 'below_threshold' });
    expect(first.result.usage['mock:scripted']?.calls).toBeGreaterThan(0);

    const again = await run(preset, seeds, 'mock:scripted');
    expect(again.kept.map((r) => [r.id, r.messages])).toEqual(first.kept.map((r) => [r.id, r.messages]));
    expect(again.rejected.map((r) => [r.id, r.dropped])).toEqual(first.rejected.map((r) => [r.id, r.dropped]));
  }, 120_000);

  it('another model name answers with schema-valid replies: every structured call validates and the run completes', async () => {
    const { result, kept, rejected } = await run(tinyPreset(), humanEvalSubset(6).file, 'mock:anything');
    expect(result.status).toBe('complete');
    const f = result.funnel;
    // Every seed got its problems (two structured calls each) and its judgment (one more), each reply valid
    // (an invalid one would be retried, then drop the record as invalid_output); schema maxima pass the judge.
    expect(f.stages.synthesized).toMatchObject({ in: 6, out: 6 });
    expect(f.stages.judged).toMatchObject({ in: 6, out: 6 });
    expect(rejected).toEqual([]);
    expect(kept).toHaveLength(6);
    for (const r of kept) {
      expect(r.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(r.messages[0]!.content.length).toBeGreaterThanOrEqual(20); // the reverse strategy's problem min length
      expect(r.scores[0]!.passed).toBe(true);
    }
    // No retry was needed: 3 structured calls and 1 answer per seed (identical requests answered by the LLM
    // cache, or shared with the identical call in flight, depending on timing).
    const usage = result.usage['mock:anything']!;
    expect(usage.calls + usage.cachedCalls + (usage.sharedCalls ?? 0)).toBe(6 * 4);
  }, 120_000);
});
