import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SampleRecord } from '../../../core/index.js';
import { tempDir } from '../../../test/e2e/helpers.js';
import { buildReportData } from './data.js';
import { scriptJson } from './page.js';

function record(id: string, over: Partial<SampleRecord> = {}): SampleRecord {
  return {
    id,
    messages: [{ role: 'user', content: `problem ${id}\nmore` }],
    language: 'python',
    lineage: { seedId: 's', source: 'x.jsonl:1', strategy: 'strategy:reverse', parentIds: [], generation: 0 },
    scores: [],
    checks: [],
    usage: [],
    meta: {},
    stage: 'kept',
    ...over,
  };
}

function runDir(kept: SampleRecord[], rejected: SampleRecord[], extra = ''): string {
  const dir = tempDir('report-data');
  const funnel = { seeds: { read: 3, skipped: {} }, stages: {}, kept: kept.length, rejected: rejected.length };
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ name: 't', status: 'complete', funnel, usage: { 'openai:m': { calls: 5, cachedCalls: 1, promptTokens: 2_000_000, completionTokens: 1_000_000 } } }));
  writeFileSync(join(dir, 'samples.jsonl'), kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  writeFileSync(join(dir, 'rejected.jsonl'), rejected.map((r) => `${JSON.stringify(r)}\n`).join('') + extra);
  return dir;
}

const verdict = (score: number) => ({ judge: 'judge:quality', model: 'openai:m', score, threshold: 6, passed: score >= 6, dimensions: { creativity: score - 1 }, judgments: 3 });
const usage = (plugin: string, cached = false) => ({ plugin, model: 'openai:m', promptTokens: 100, completionTokens: 10, cached });

describe('buildReportData', () => {
  const kept = [
    record('a', { scores: [verdict(7.5)], checks: [{ plugin: 'analyzer:python', tool: 'pylint', language: 'python', passed: true, diagnostics: [{ tool: 'pylint', rule: 'C0114', severity: 'warning', message: 'm' }] }], usage: [usage('strategy:reverse'), usage('judge:quality', true)] }),
    record('b', { language: 'go', scores: [verdict(10)], checks: [{ plugin: 'executor:sandbox', tool: 'bubblewrap', language: 'go', passed: true, diagnostics: [] }] }),
  ];
  const rejected = [record('c', { scores: [verdict(3)], dropped: { stage: 'judged', plugin: 'judge:quality', reason: 'mean 3 < 6', category: 'below_threshold' }, usage: [usage('judge:quality')] })];

  it('counts histograms, languages, diagnostics, executions, usage per plugin and cost from prices', async () => {
    const d = await buildReportData(runDir(kept, rejected), { embedCap: 10, prices: { 'openai:m': { inputPerMTok: 1, outputPerMTok: 2 } } });
    expect(d.scores['judge:quality']!.score).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0, 1]); // 10 falls in the last, closed bin
    expect(d.scores['judge:quality']!.creativity).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0, 1]);
    expect(d.languages).toEqual({ python: { kept: 1, rejected: 1 }, go: { kept: 1, rejected: 0 } });
    expect(d.diagnostics).toEqual({ 'pylint C0114': { error: 0, warning: 1, info: 0 } });
    expect(d.executions).toEqual({ 'executor:sandbox bubblewrap': { passed: 1, failed: 0, skipped: 0 } });
    expect(d.usage.byModel['openai:m']!.cost).toBe(4); // 2M × $1 + 1M × $2
    const judge = d.usage.rows.find((r) => r.plugin === 'judge:quality')!;
    expect(judge).toMatchObject({ stage: 'judged', calls: 1, cachedCalls: 1, promptTokens: 200, completionTokens: 20 });
    expect(d.facets.reasons).toEqual(['judge:quality/below_threshold']);
    expect(d.facets.stages).toEqual(['judged', 'kept']);
    expect(d.samples).toMatchObject({ total: 3, kept: 2, rejected: 1, complete: true });
  });

  it('embeds at most the cap, kept and rejected in proportion, and says the page is not complete', async () => {
    const many = Array.from({ length: 8 }, (_, i) => record(`k${i}`));
    const drops = Array.from({ length: 2 }, (_, i) => record(`r${i}`, { dropped: { stage: 'verified', plugin: 'analyzer:python', reason: 'E0602' } }));
    const d = await buildReportData(runDir(many, drops), { embedCap: 5, prices: {} });
    expect(d.samples.embedded.map((r) => r.id)).toEqual(['k0', 'k1', 'k2', 'k3', 'r0']);
    expect(d.samples).toMatchObject({ total: 10, complete: false, embedCap: 5 });
    expect(d.facets.reasons).toEqual(['analyzer:python/other']); // every record counted, embedded or not
    expect(d.usage.byModel['openai:m']!.cost).toBeUndefined();
  });

  it('names the file and line of a damaged record, and a directory that is not a run', async () => {
    await expect(buildReportData(runDir(kept, rejected, '{"id": broken\n'), { embedCap: 10, prices: {} })).rejects.toThrow(/rejected\.jsonl:2: not a JSON record/);
    const empty = tempDir('report-empty');
    mkdirSync(empty, { recursive: true });
    await expect(buildReportData(empty, { embedCap: 10, prices: {} })).rejects.toThrow(/run\.json: not found: not a run directory/);
  });
});

describe('scriptJson', () => {
  it('keeps a sample holding </script> from ending the data block', () => {
    const text = scriptJson({ code: '</script><script>alert(1)</script>' });
    expect(text).not.toContain('</script');
    expect(JSON.parse(text)).toEqual({ code: '</script><script>alert(1)</script>' });
  });
});
