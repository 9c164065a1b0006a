import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { geneticSections } from './sections.js';

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
