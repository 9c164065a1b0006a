import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { choosePassRates, PassQuota } from './dry-run-rates.js';
import { configHash } from './runner.js';

const temp = () => mkdtempSync(join(tmpdir(), 'instructsmith-rates-'));
const config = async (out: string, preset = 'infinite-instruct') => (await loadConfig({ cwd: temp(), overrides: { preset, out, seeds: out } })).config;
const stage = (i: number, o: number) => ({ in: i, out: o, dropped: {} });

describe('PassQuota', () => {
  it('lets through round(k x rate) of the first k, for every k', () => {
    for (const rate of [0, 0.13, 0.5, 0.78, 1]) {
      const q = new PassQuota(rate);
      let passed = 0;
      for (let k = 1; k <= 300; k++) {
        if (q.next()) passed++;
        expect(passed).toBe(Math.round(k * rate));
      }
    }
  });
});

describe('choosePassRates', () => {
  it('uses out/in per stage of an earlier run of the same configuration, else all pass with a note', async () => {
    const out = temp();
    const c = await config(out);
    expect(choosePassRates(c)).toEqual({ rates: { synthesized: 1, judged: 1, responded: 1, verified: 1, filtered: 1 }, from: 'assumed' });
    const funnel = { stages: { synthesized: stage(50, 50), judged: stage(50, 40), responded: stage(40, 40), verified: stage(40, 35), filtered: stage(35, 28) } };
    writeFileSync(join(out, 'run.json'), JSON.stringify({ configHash: configHash(c), funnel }));
    expect(choosePassRates({ ...c, limit: 10 })).toMatchObject({ rates: { synthesized: 1, judged: 0.8, responded: 1, verified: 0.875, filtered: 0.8 }, from: 'measured', file: join(out, 'run.json'), records: 50 });
    const other = await config(out, 'semi-instruct');
    expect(choosePassRates(other)).toMatchObject({ from: 'assumed', note: expect.stringMatching(/another configuration/) });
    writeFileSync(join(out, 'run.json'), '{not json');
    expect(choosePassRates(c)).toMatchObject({ from: 'assumed', note: expect.stringMatching(/not JSON/) });
  });

  it('takes given rates over measured ones and refuses rates outside 0..1', async () => {
    const c = await config(temp());
    expect(choosePassRates(c, { judged: 0.5 })).toEqual({ rates: { synthesized: 1, judged: 0.5, responded: 1, verified: 1, filtered: 1 }, from: 'given' });
    expect(() => choosePassRates(c, { verified: 1.5 })).toThrow(/verified.*0\.\.1/);
  });
});
