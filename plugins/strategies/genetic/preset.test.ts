import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot, type SampleRecord } from '../../../core/index.js';
import { runPreset } from '../../../core/testing/index.js';
import { builtinPlugins, implicitPlugins } from '../../index.js';
import type { GenerationRow } from './generations.js';
import { MUTATION_RULE_NAMES } from './operators.js';

const SEEDS = join(packageRoot(), 'test', 'fixtures', 'genetic-seeds.jsonl');
const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };
const NAME = 'strategy:genetic';

/** `target` is the run's (`--target`); the other keys are strategy:genetic's options. */
function run({ target, ...genetic }: Record<string, unknown>, seeds = SEEDS, extra: Record<string, unknown> = {}) {
  return runPreset({
    preset: 'genetic-instruct',
    seeds,
    builtins: builtinPlugins,
    implicit: implicitPlugins,
    log: quiet,
    overrides: { model: 'mock:scripted', concurrency: 16, ...(target === undefined ? {} : { target: target as number }), plugins: { [NAME]: genetic, ...extra } },
  });
}

const details = (r: SampleRecord) => r.lineage.details as { colony: number | null; operator: string; rule?: string };

describe('genetic-instruct preset', () => {
  it('grows the seed population through both operators in every colony up to the target, keeping no pair a gate failed', async () => {
    const { result, runDir, kept, rejected } = await run({ target: 60, colonies: 2, batchSize: 10, tests: false });
    expect(result.status).toBe('complete');
    expect(kept).toHaveLength(60); // colonies never overshoot their share
    const seeds = kept.filter((r) => r.lineage.generation === 0);
    expect(seeds.length).toBeGreaterThan(10);
    expect(seeds.length).toBeLessThanOrEqual(20);
    const evolved = kept.filter((r) => r.lineage.generation > 0);
    expect(new Set(evolved.map((r) => details(r).colony))).toEqual(new Set([0, 1]));
    expect(new Set(evolved.map((r) => details(r).operator))).toEqual(new Set(['mutation', 'crossover']));
    expect(Math.max(...evolved.map((r) => r.lineage.generation))).toBeGreaterThanOrEqual(2);
    // Each colony made its half of what the seeds left.
    const perColony = [0, 1].map((c) => evolved.filter((r) => details(r).colony === c).length);
    expect(perColony).toEqual([Math.ceil((60 - seeds.length) / 2), Math.floor((60 - seeds.length) / 2)]);

    // Lineage: parents are kept records written before, of the seed population or the same colony.
    const position = new Map<string, number>();
    for (const [i, r] of kept.entries()) if (!position.has(r.id)) position.set(r.id, i);
    for (const [i, r] of kept.entries()) {
      const d = details(r);
      if (r.lineage.generation === 0) {
        expect(d).toEqual({ colony: null, operator: 'seed' });
        continue;
      }
      expect(r.lineage.parentIds.length).toBe(d.operator === 'crossover' ? 3 : 1);
      if (d.operator === 'mutation') expect(MUTATION_RULE_NAMES).toContain(d.rule);
      for (const p of r.lineage.parentIds) {
        expect(position.get(p)).toBeLessThan(i);
        const pd = details(kept[position.get(p)!]!);
        expect(pd.colony === null || pd.colony === d.colony).toBe(true);
        expect(kept[position.get(p)!]!.lineage.generation).toBeLessThan(r.lineage.generation);
      }
      // The gates ran: the Judge passed it, pylint checked it.
      expect(r.scores.find((s) => s.judge === 'judge:genetic')?.passed).toBe(true);
      expect(r.checks.some((c) => c.plugin === 'analyzer:python' && c.passed)).toBe(true);
    }
    // Planted faults were caught by the Judge and by the static check.
    const by = (p: string) => rejected.filter((r) => r.dropped?.plugin === p).length;
    expect(by('judge:genetic')).toBeGreaterThan(0);
    expect(by('analyzer:python')).toBeGreaterThan(0);

    // The table is made from the files: its kept and made columns add up to them.
    const rows = (JSON.parse(readFileSync(join(runDir, 'genetic', 'generations.json'), 'utf8')) as { rows: GenerationRow[] }).rows;
    expect(rows.reduce((n, r) => n + r.kept, 0)).toBe(kept.length);
    expect(rows.reduce((n, r) => n + r.made, 0)).toBe(kept.length + rejected.length);
    expect(rows.reduce((n, r) => n + r.judgedOut, 0)).toBe(by('judge:genetic'));
    const last = (c: number) => rows.filter((r) => r.colony === c).at(-1)!;
    expect(last(0).population + last(1).population - seeds.length).toBe(kept.length);
    expect(existsSync(join(runDir, 'export'))).toBe(true);
  }, 300_000);

  it('stops at the generation limit when it comes first', async () => {
    const { kept } = await run({ target: 10_000, generations: 2, colonies: 2, batchSize: 4, tests: false });
    expect(Math.max(...kept.map((r) => r.lineage.generation))).toBe(2);
  }, 300_000);

  it("with tests, runs the Coder's unit tests in the sandbox: failing pairs are dropped, passing ones carry their fitness", async () => {
    const { kept, rejected } = await run({ target: 45, colonies: 1, batchSize: 16, tests: true });
    const failed = rejected.filter((r) => r.dropped?.category === 'tests_failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]!.dropped!.reason).toMatch(/AssertionError/);
    for (const r of kept) expect((r.meta[NAME] as { fitness?: { passed: boolean } }).fitness?.passed).toBe(true);
  }, 300_000);

  it("grows an earlier run's samples.jsonl (read by seed:samples) to the run's --target, the table per generation in run.json", async () => {
    const first = await run({ generations: 0, tests: false });
    const again = await run({ target: 30, colonies: 1, batchSize: 8, tests: false }, join(first.runDir, 'samples.jsonl'));
    const runJson = JSON.parse(readFileSync(join(again.runDir, 'run.json'), 'utf8')) as { reports: Record<string, { generations: GenerationRow[] }> };
    const table = runJson.reports[NAME]!.generations;
    expect(table.map((r) => r.generation)).toEqual([...new Set(table.map((r) => r.generation))].sort((a, b) => a - b));
    expect(table.reduce((n, r) => n + r.kept, 0)).toBe(30);
    const seeds = again.kept.filter((r) => r.lineage.generation === 0).map((r) => r.messages[0]!.content);
    expect(seeds.length).toBeGreaterThan(0);
    expect(new Set(first.kept.map((r) => r.messages[0]!.content))).toEqual(new Set([...seeds, ...again.rejected.filter((r) => r.lineage.generation === 0).map((r) => r.messages[0]!.content)]));
    expect(again.kept).toHaveLength(30);
  }, 300_000);
});

describe('strategy:genetic tests option', () => {
  it('answers languages outside testLanguages without unit tests, and still gates them', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'genetic-js-')), 'seeds.jsonl');
    writeFileSync(file, `${JSON.stringify({ instruction: 'Write a Python function `total` that sums a list of numbers. Handle empty input.' })}\n`);
    const { kept, rejected } = await run({ generations: 0, tests: true, testLanguages: ['javascript'] }, file);
    for (const r of [...kept, ...rejected]) expect((r.meta[NAME] as { tests?: string } | undefined)?.tests).toBeUndefined();
    expect(kept.length + rejected.length).toBe(1);
  }, 300_000);
});
