import { describe, expect, it } from 'vitest';
import { createRecord, dropRecord, type SampleRecord, type Stage } from '../record.js';
import { Funnel } from './funnel.js';

const seed = { id: 's', language: 'python', code: 'x = 1\n', source: { path: 'x.py' }, kind: 'file' as const, meta: {} };
function rec(stage: Stage, drop?: { at: Stage; plugin: string; category: string }): SampleRecord {
  const r = createRecord({ seed, strategy: 'strategy:t', messages: [{ role: 'user', content: `${stage}${drop?.plugin ?? ''}` }] });
  r.stage = stage;
  return drop ? dropRecord(r, drop.at, drop.plugin, 'why', drop.category) : r;
}

describe('Funnel', () => {
  it('counts each filter: checked until one drops the record, dropped by it; earlier drops never reach the filters', () => {
    const f = new Funnel(undefined, ['filter:decontaminate', 'filter:dedup']);
    f.add([
      rec('kept'),
      rec('kept'),
      rec('verified', { at: 'filtered', plugin: 'filter:dedup', category: 'exact_duplicate' }),
      rec('verified', { at: 'filtered', plugin: 'filter:decontaminate', category: 'humaneval' }),
      rec('responded', { at: 'verified', plugin: 'analyzer:python', category: 'python: E0602' }),
    ]);
    const s = f.snapshot();
    expect(s.filters).toEqual({ 'filter:decontaminate': { checked: 4, dropped: 1 }, 'filter:dedup': { checked: 3, dropped: 1 } });
    expect(s.stages.filtered).toEqual({ in: 4, out: 2, dropped: { 'filter:dedup/exact_duplicate': 1, 'filter:decontaminate/humaneval': 1 } });
    expect(s.stages.verified.in).toBe(5);
    expect(s.kept).toBe(2);
    expect(s.rejected).toBe(3);
  });

  it('restores filter counts from a checkpoint and keeps counting', () => {
    const a = new Funnel(undefined, ['filter:dedup']);
    a.add([rec('kept')]);
    const b = new Funnel(a.checkpointState(), ['filter:dedup']);
    b.add([rec('verified', { at: 'filtered', plugin: 'filter:dedup', category: 'near_duplicate' })]);
    expect(b.snapshot().filters).toEqual({ 'filter:dedup': { checked: 2, dropped: 1 } });
  });
});
