import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { geneticSections, selectionSections } from './sections.js';

const row = (generation: number, colony: number | null, kept: number, population: number) => ({ generation, colony, made: kept + 3, mutation: 0, crossover: 0, synthesisOut: 0, judgedOut: 1, verifiedOut: 1, duplicatesOut: 1, otherOut: 0, kept, population });

describe('the genetic sections of the report', () => {
  it('draws population per generation and colony and the per-generation funnel from genetic/generations.json', () => {
    const runDir = mkdtempSync(join(tmpdir(), 'report-genetic-'));
    mkdirSync(join(runDir, 'genetic'));
    writeFileSync(join(runDir, 'genetic', 'generations.json'), JSON.stringify({ strategy: 'strategy:genetic', rows: [row(0, null, 18, 18), row(1, 0, 10, 28), row(1, 1, 12, 30), row(2, 0, 5, 33), row(2, 1, 7, 37)] }));
    const [population, funnel] = geneticSections({ runDir, run: {}, titleOf: () => undefined })!;
    expect(population).toMatchObject({ kind: 'bars', labels: ['0', '1', '2'], series: [{ name: 'colony 0', values: [18, 28, 33] }, { name: 'colony 1', values: [18, 30, 37] }] });
    expect(funnel!.series.find((s) => s.name === 'kept')!.values).toEqual([18, 22, 12]);
    expect(funnel!.series.find((s) => s.name === 'made')!.values).toEqual([21, 28, 18]);
  });

  it('is absent for runs of other strategies, and a damaged table is an error naming the file', () => {
    const runDir = mkdtempSync(join(tmpdir(), 'report-genetic-'));
    expect(geneticSections({ runDir, run: {}, titleOf: () => undefined })).toBeUndefined();
    mkdirSync(join(runDir, 'genetic'));
    writeFileSync(join(runDir, 'genetic', 'generations.json'), '{"rows": 3}');
    expect(() => geneticSections({ runDir, run: {}, titleOf: () => undefined })).toThrow(/generations\.json: not the generation table/);
  });
});

describe('the selection sections of the report', () => {
  const selection = {
    read: 100,
    selected: 20,
    complete: true,
    selectors: [
      { plugin: 'selector:rules', in: 100, out: 90, dropped: { io: 10 }, unaccounted: 0, report: {} },
      {
        plugin: 'selector:match',
        in: 90,
        out: 20,
        dropped: { distribution: 70 },
        unaccounted: 0,
        report: { level: 2, divergence: { before: 0.31, after: 0.04 }, table: [{ tag: 'Algorithms', eval: 0.2, candidates: 0.5, selected: 0.25 }, { tag: 'String Processing', eval: 0.6, candidates: 0.3, selected: 0.55 }] },
      },
    ],
  };

  it("draws each selector's seeds in and out, and the matched distribution with its divergence, from run.json", () => {
    const [funnel, distribution] = selectionSections({ runDir: '/nowhere', run: { funnel: { selection } }, titleOf: () => undefined })!;
    expect(funnel).toMatchObject({ labels: ['selector:rules', 'selector:match'], series: [{ name: 'in', values: [100, 90] }, { name: 'out', values: [90, 20] }] });
    expect(distribution!.labels).toEqual(['String Processing', 'Algorithms']); // by share of the evaluation set
    expect(distribution!.series.find((s) => s.name === 'selected')!.values).toEqual([0.55, 0.25]);
    expect(distribution!.note).toContain('0.3100 for the candidates, 0.0400 for the selection');
  });

  it('is absent when the run selected nothing, and has no distribution without a matching selector', () => {
    expect(selectionSections({ runDir: '/nowhere', run: { funnel: {} }, titleOf: () => undefined })).toBeUndefined();
    const only = selectionSections({ runDir: '/nowhere', run: { funnel: { selection: { ...selection, selectors: [selection.selectors[0]] } } }, titleOf: () => undefined })!;
    expect(only.map((s) => s.id)).toEqual(['selection-funnel']);
  });
});
