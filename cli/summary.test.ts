import { describe, expect, it } from 'vitest';
import { Funnel } from '../core/runner/funnel.js';
import type { RunResult } from '../core/runner/runner.js';
import { formatSummary } from './summary.js';

describe('formatSummary', () => {
  const base: RunResult = { runDir: '/runs/a', status: 'complete', resumed: false, alreadyComplete: false, funnel: new Funnel().snapshot(), usage: {}, exported: [] };

  it('shows the analyzer calls of the run: batches, samples, batch sizes, time in the analyzer', () => {
    const verify = {
      records: 10, passed: 8, dropped: 2, noCode: 0, byLanguage: {}, byRule: {},
      analyzers: { python: { calls: 3, samples: 175, meanBatch: 58.33, maxBatch: 64, wallMs: 12_345, meanWaitMs: 400 } },
    };
    expect(formatSummary({ ...base, verify })).toContain('  analyzer calls  python 3 (175 samples, mean 58.3, max 64 per call, 12.3 s)\n');
  });

  it('has no analyzer line when no analyzer ran', () => {
    expect(formatSummary(base)).not.toContain('analyzer calls');
  });
});
