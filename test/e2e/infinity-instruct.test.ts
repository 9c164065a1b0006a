import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot, type SampleRecord } from '../../core/index.js';
import type { SelectionDrop, SelectionSummary } from '../../core/testing/index.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import { writeCodePool } from '../fixtures/pool.js';
import { HUMANEVAL, readJsonl, runPreset, tempDir } from './helpers.js';

const humaneval = { format: 'humaneval', path: HUMANEVAL } as const;
/**
 * What a user's config would set on top of the preset: the evaluation set's path; a top-K that
 * leaves out exactly the four rows the fixture plants off topic (after rules and dedup, 34 rows
 * remain); seed choice where the preset's criteria all hold but hardness (every seed has a tag,
 * every tag is in the tail at quantile 1), so every seed is measured by IFD from the endpoint.
 */
const plugins = {
  'selector:retrieve': { benchmarks: [humaneval], topK: 30 },
  'selector:match': { benchmarks: [humaneval], ratio: 0.8 },
  'selector:choose': { minAbilities: 1, longTail: { quantile: 1 }, combine: 'all' },
  'filter:decontaminate': { benchmarks: [humaneval] },
};

describe('infinity-instruct preset over a pool, through the real openai client', () => {
  let double: LlmDouble;
  let out: string;
  let pool: ReturnType<typeof writeCodePool>;
  let result: Awaited<ReturnType<typeof runPreset>>;
  let selection: SelectionSummary;

  beforeAll(async () => {
    double = await startLlmDouble();
    double.reply(scriptedModel());
    pool = writeCodePool(join(tempDir('pool'), 'pool'));
    out = tempDir('infinity');
    result = await runPreset({ preset: 'infinity-instruct', seeds: pool.dir, model: 'openai:scripted-coder', baseUrl: double.url, out, concurrency: 8, plugins });
    selection = result.funnel.selection!;
  }, 600_000);
  afterAll(async () => double?.close());

  it('selects from the pool stage by stage, each planted row dropped by the selector meant for it, every drop on file', () => {
    expect(result.status).toBe('complete');
    expect(selection.read).toBe(pool.rows);
    expect(selection.selectors.map((s) => s.plugin)).toEqual(['selector:rules', 'selector:dedup', 'selector:retrieve', 'selector:tag', 'selector:match', 'selector:choose']);
    const [rules, dedup, retrieve] = selection.selectors;
    expect(rules!.dropped).toEqual({ io: pool.planted.io });
    expect((dedup!.dropped.exact_duplicate ?? 0) + (dedup!.dropped.near_duplicate ?? 0)).toBe(pool.planted.duplicates);
    expect(retrieve!.in).toBe(34);
    expect(retrieve!.dropped.not_retrieved).toBe(4);
    for (let i = 1; i < selection.selectors.length; i++) expect(selection.selectors[i]!.in).toBe(selection.selectors[i - 1]!.out);
    for (const s of selection.selectors) expect(s.unaccounted).toBe(0);
    const drops = readJsonl<SelectionDrop>(join(out, 'selection', 'rejected.jsonl'));
    expect(drops).toHaveLength(selection.read - selection.selected);
    // The off-topic chat never reaches tagging: no code words for BM25 against HumanEval.
    const offTopic = drops.filter((d) => /poem|hike|novel|interview/.test(d.seed.code));
    expect(offTopic.map((d) => d.plugin)).toEqual(Array(pool.planted.offTopic).fill('selector:retrieve'));
    expect(result.funnel.seeds.read).toBe(selection.selected);
  });

  it('matches the evaluation set better after selection, and chooses seeds by IFD from the endpoint', () => {
    const match = selection.selectors.find((s) => s.plugin === 'selector:match')!.report as { divergence: { before: number; after: number } };
    expect(match.divergence.after).toBeLessThan(match.divergence.before);
    const choose = selection.selectors.find((s) => s.plugin === 'selector:choose')!;
    expect(choose.report.hardness).toMatch(/ifd/i);
    expect(choose.report.measured).toBe(choose.in);
    expect(choose.dropped.not_chosen).toBeGreaterThan(0);
    expect(choose.out).toBeGreaterThan(0);
  });

  it('writes 2-4 round conversations from evolved instructions, labelled, each assistant turn verified', () => {
    const kept = readJsonl<SampleRecord>(join(out, 'samples.jsonl'));
    expect(kept.length).toBeGreaterThan(0);
    for (const r of kept) {
      expect(r.lineage.strategy).toBe('strategy:infinity');
      expect(['breadth', 'depth', 'difficulty', 'complexity']).toContain((r.lineage.details as { dimension: string }).dimension);
      const assistant = r.messages.filter((m) => m.role === 'assistant');
      expect(assistant.length).toBeGreaterThanOrEqual(2);
      expect(assistant.length).toBeLessThanOrEqual(4);
      expect(r.messages.map((m) => m.role)).toEqual(r.messages.map((_, i) => (i % 2 === 0 ? 'user' : 'assistant')));
      expect(r.label?.ability_en?.length).toBeGreaterThan(0);
      expect(r.label?.cate_ability_en?.length).toBeGreaterThan(0);
      // One passed check per code block, and every assistant turn holds one.
      const python = r.checks.filter((c) => c.plugin === 'analyzer:python');
      expect(python.length).toBeGreaterThanOrEqual(assistant.length);
      expect(python.every((c) => c.passed)).toBe(true);
    }
    const rejected = readJsonl<SampleRecord>(join(out, 'rejected.jsonl'));
    const by = (plugin: string) => rejected.filter((r) => r.dropped?.plugin === plugin);
    expect(by('judge:compliance').length).toBeGreaterThan(0);
    expect(by('analyzer:python').length).toBeGreaterThan(0);
    expect(result.funnel.kept).toBe(kept.length);
  });

  it('exports the conversations with their label, the loss on every assistant turn', () => {
    const rows = [...readJsonl<{ messages: { role: string; weight: number }[]; label: Record<string, string[]> }>(join(out, 'export', 'messages', 'train.jsonl')), ...readJsonl<{ messages: { role: string; weight: number }[]; label: Record<string, string[]> }>(join(out, 'export', 'messages', 'validation.jsonl'))];
    expect(rows.length).toBe(result.funnel.kept);
    for (const row of rows) {
      expect(Object.keys(row.label).sort()).toEqual(['ability_en', 'cate_ability_en']);
      for (const m of row.messages) expect(m.weight).toBe(m.role === 'assistant' ? 1 : 0);
    }
  });

  it('instructsmith select writes the same selection on its own, without synthesis', async () => {
    const dir = tempDir('select');
    const config = join(dir, 'instructsmith.config.json');
    const { 'selector:choose': _choose, ...selectPlugins } = plugins;
    writeFileSync(config, JSON.stringify({ plugins: selectPlugins }));
    const env = { ...process.env, OPENAI_BASE_URL: double.url, OPENAI_API_KEY: 'sk-test' };
    // Not spawnSync: the double answering the child runs in this process.
    const cli = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'cli/bin.ts'), 'select', '--pool', pool.dir, '--model', 'openai:scripted-coder', '--config', config, '--out', join(dir, 'out')], { cwd: packageRoot(), env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
    expect(cli.status, cli.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'selection.json'), 'utf8')) as { selection: SelectionSummary };
    // infinity-select is infinity-instruct's selection without seed choice: the same rows reach selector:choose.
    expect(summary.selection.selectors.map((s) => s.plugin)).toEqual(selection.selectors.slice(0, -1).map((s) => s.plugin));
    expect(summary.selection.selected).toBe(selection.selectors.at(-1)!.in);
    const selected = readJsonl<{ messages: unknown[]; label: Record<string, string[]>; source: string }>(join(dir, 'out', 'selected.jsonl'));
    expect(selected).toHaveLength(summary.selection.selected);
    for (const row of selected) expect(row.label.cate_ability_en?.length).toBeGreaterThan(0);
    expect(cli.stdout).toMatch(/selector:match +in +\d+ +out +\d+ +dropped: distribution \d+/);
  }, 120_000);
});
