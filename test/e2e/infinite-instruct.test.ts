import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleRecord } from '../../core/index.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { HUMANEVAL, readJsonl, runPreset, tempDir } from './helpers.js';

describe('infinite-instruct preset over the 164 HumanEval functions', () => {
  let double: LlmDouble;
  let out: string;
  let result: Awaited<ReturnType<typeof runPreset>>;

  beforeAll(async () => {
    double = await startLlmDouble();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    out = tempDir('e2e');
    result = await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: 'openai:scripted-coder', baseUrl: double.url, out, concurrency: 8 });
  }, 600_000);
  afterAll(async () => double?.close());

  it('reads every seed and the funnel adds up stage by stage', () => {
    const f = result.funnel;
    expect(result.status).toBe('complete');
    // One rewritten problem per seed from the reverse pass; the backfeeding pass adds its own.
    const all = [...readJsonl<SampleRecord>(join(out, 'samples.jsonl')), ...readJsonl<SampleRecord>(join(out, 'rejected.jsonl'))];
    expect(all.filter((r) => r.lineage.strategy === 'strategy:reverse')).toHaveLength(164);
    // Every record written entered the funnel at `synthesized` (a seed no strategy wrote an instruction from is a drop there).
    expect(f.stages.synthesized.in).toBe(all.length);
    // Seeds read: the 164 functions plus one derived seed per backfed problem.
    expect(f.seeds.read).toBe(164 + all.filter((r) => r.lineage.strategy === 'strategy:backfeeding').length);
    expect(f.stages.judged.in).toBe(f.stages.synthesized.out);
    expect(f.stages.responded.in).toBe(f.stages.judged.out);
    expect(f.stages.verified.in).toBe(f.stages.responded.out);
    expect(f.stages.filtered.in).toBe(f.stages.verified.out);
    expect(f.kept).toBe(f.stages.filtered.out);
    for (const s of Object.values(f.stages)) {
      expect(s.in - s.out).toBe(Object.values(s.dropped).reduce((a, b) => a + b, 0));
    }
    const drops = Object.values(f.stages).reduce((a, s) => a + (s.in - s.out), 0);
    expect(f.rejected).toBe(drops);
  });

  it('the backfeeding pass adds round(0.5 x kept reverse samples) problems, each from keywords of the graph', () => {
    const all = [...readJsonl<SampleRecord>(join(out, 'samples.jsonl')), ...readJsonl<SampleRecord>(join(out, 'rejected.jsonl'))];
    const keptReverse = readJsonl<SampleRecord>(join(out, 'samples.jsonl')).filter((r) => r.lineage.strategy === 'strategy:reverse').length;
    const backfed = all.filter((r) => r.lineage.strategy === 'strategy:backfeeding');
    expect(backfed).toHaveLength(Math.round(0.5 * keptReverse));
    // Each backfed problem went through the whole funnel: some kept, and the judge or pylint may drop others.
    expect(backfed.filter((r) => !r.dropped).length).toBeGreaterThan(backfed.length / 2);
    for (const r of backfed.filter((x) => x.dropped)) expect(['judge:quality', 'analyzer:python']).toContain(r.dropped!.plugin);
  });

  it('the scripted faults are caught where they should be: the judge and pylint both drop samples', () => {
    expect(result.funnel.stages.judged.dropped['judge:quality/below_threshold']).toBeGreaterThan(10);
    const e0602 = Object.entries(result.funnel.stages.verified.dropped).filter(([k]) => k.startsWith('analyzer:python/') && k.includes('E0602'));
    expect(e0602.reduce((a, [, n]) => a + n, 0)).toBeGreaterThan(0);
    expect(result.funnel.verification.byRule['python:E0602 undefined-variable']).toBe(result.funnel.stages.verified.in - result.funnel.stages.verified.out);
  });

  it('writes exactly the funnel counts to samples.jsonl and rejected.jsonl, each with its reason', () => {
    const kept = readJsonl<SampleRecord>(join(out, 'samples.jsonl'));
    const rejected = readJsonl<SampleRecord>(join(out, 'rejected.jsonl'));
    expect(kept).toHaveLength(result.funnel.kept);
    expect(rejected).toHaveLength(result.funnel.rejected);
    expect(new Set(kept.map((r) => r.id)).size).toBe(kept.length);
    const pluginsThatDrop = ['strategy:reverse', 'strategy:backfeeding', 'judge:quality', 'analyzer:python', 'filter:decontaminate', 'filter:dedup', 'runner'];
    for (const r of rejected) {
      expect(r.dropped!.reason).toMatch(/\S{3}/);
      expect(pluginsThatDrop).toContain(r.dropped!.plugin);
    }
    const e0602 = rejected.find((r) => r.dropped?.stage === 'verified')!;
    expect(e0602.dropped!.reason).toMatch(/E0602|undefined/);
    expect(e0602.checks[0]!.diagnostics.some((d) => d.rule.startsWith('E0602') && d.severity === 'error')).toBe(true);
  });

  it('kept samples carry the whole record: messages, lineage, 7-dimension scores, checks and usage', () => {
    const kept = readJsonl<SampleRecord>(join(out, 'samples.jsonl'));
    const reverse = kept.filter((r) => r.lineage.strategy === 'strategy:reverse');
    expect(reverse.length).toBeGreaterThan(80);
    for (const r of reverse) {
      expect(r.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(r.lineage.source).toMatch(/HumanEval\.jsonl\.gz:\d+$/);
      expect(r.scores[0]!.judgments).toBe(3);
      expect(Object.keys(r.scores[0]!.dimensions)).toHaveLength(7);
      expect(r.scores[0]!.score).toBeGreaterThanOrEqual(6);
      expect(r.checks[0]).toMatchObject({ plugin: 'analyzer:python', passed: true });
      expect(r.usage.map((u) => u.plugin)).toEqual(['strategy:reverse', 'strategy:reverse', 'judge:quality', 'judge:quality', 'judge:quality', 'responder:chat']);
    }
  });

  it('run.json holds the resolved config, the funnel, usage, and the exporter wrote the kept samples', () => {
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.status).toBe('complete');
    expect(run.config.plugins['judge:quality']).toMatchObject({ judgments: 3, threshold: 6 });
    expect(run.funnel).toEqual(result.funnel);
    expect(run.usage['openai:scripted-coder'].calls).toBe(double.count('openai.chat'));
    expect(run.usage['openai:scripted-coder'].calls).toBeGreaterThan(164 * 5);
    // The gate's own counts: every python block it checked went through an analyzer call.
    expect(run.verify.byLanguage.python.blocks).toBeGreaterThan(0);
    expect(run.verify.analyzers.python.samples).toBe(run.verify.byLanguage.python.blocks);
    expect(run.verify.analyzers.python.calls).toBeLessThan(run.verify.analyzers.python.samples);
    const exported = readJsonl(join(out, 'export', 'messages', 'train.jsonl')).length + readJsonl(join(out, 'export', 'messages', 'validation.jsonl')).length;
    expect(exported).toBe(result.funnel.kept);
    // Fewer kept samples than pretokenizeFrom (256): no helper process, the export tokenized them itself.
    const report = JSON.parse(readFileSync(join(out, 'export', 'messages', 'export.json'), 'utf8')) as { read: number; tokenizedBy: Record<string, number> };
    expect(report.read).toBeLessThan(256);
    expect(report.tokenizedBy).toMatchObject({ duringRun: 0, exportHelpers: 0 });
  });

  it('sent structured calls with a JSON schema and distinct seeds for the three judgments', () => {
    const judge = double.chatRequests().filter((r) => r.schemaName === 'quality_verdict');
    expect(judge.length).toBe(result.funnel.stages.judged.in * 3);
    expect(new Set(judge.slice(0, 3).map((r) => r.seed))).toEqual(new Set([0, 1, 2]));
    expect(judge[0]!.schema).toMatchObject({ type: 'object' });
  });
});
