/**
 * Done-when of issue #11 for Semi-Instruct: the preset over standard-library modules (a code tree)
 * keeps no sample whose test cases a do-nothing program passes, and spends no LLM call on seeds
 * that cannot yield such tests. The model answers with the original code as the refined solution
 * and generic inputs, as a low-effort model would.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MockModel, runPreset } from '../../../core/testing/index.js';
import { builtinPlugins, implicitPlugins } from '../../index.js';
import type { SemiInstructMeta } from './index.js';

const STDLIB = execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_path("stdlib"))'], { encoding: 'utf8' }).trim();
// Argument lists by the number of required parameters of the seed's function.
const INPUTS: Record<number, string[]> = {
  1: ['"hello world"', '[3, 1, 2]', '5'],
  2: ['[1, 3, 5], 3', '[1, 2, 2, 4], 2', '[], 1', '[0, 10], 11'],
  3: ['0.1, 0.5, 0.9', '1.0, 0.0, 0.0', '0.3, 0.3, 0.3', '0.0, 0.5, 1.0'],
};
function arity(code: string): number {
  const params = /def\s+\w+\s*\(([^)]*)\)/.exec(code)?.[1] ?? '';
  return params.split(',').map((p) => p.trim()).filter((p) => p && p !== 'self' && !p.includes('=') && !p.startsWith('*')).length;
}

describe('semi-instruct over standard-library modules', { timeout: 300_000 }, () => {
  it('keeps no sample a do-nothing program passes; untestable seeds cost no call', async () => {
    const tree = mkdtempSync(join(tmpdir(), 'stdlib-'));
    for (const m of ['bisect.py', 'colorsys.py', 'keyword.py', 'this.py']) cpSync(join(STDLIB, m), join(tree, m));
    const model = new MockModel().reply({ schema: 'semi_instruct' }, (req: { lastUser: string }) => {
      const code = /```python\n([\s\S]*?)\n```/.exec(req.lastUser)?.[1] ?? '';
      const source = /real project \(([^)]+)\)/.exec(req.lastUser)?.[1] ?? '';
      return { instruction: `Re-implement the code found at ${source} so that it behaves the same on every input.`, inputs: INPUTS[arity(code)] ?? INPUTS[1]!, solution: code };
    });
    const run = await runPreset({ preset: 'semi-instruct', seeds: tree, builtins: builtinPlugins, implicit: implicitPlugins, model, overrides: { plugins: { 'executor:sandbox': { concurrency: 2 } } } });
    const untestable = run.rejected.filter((r) => r.dropped?.category === 'untestable');
    const seeds = run.result.funnel.seeds.read;
    expect(untestable.length).toBeGreaterThan(0);
    expect(model.count({ schema: 'semi_instruct' })).toBe(seeds - untestable.length);
    // The gate fires on real code: some generated test suite is too weak to keep.
    expect(run.rejected.some((r) => ['null_passes', 'constant_outputs', 'weak_tests'].includes(r.dropped?.category ?? ''))).toBe(true);
    expect(run.kept.length).toBeGreaterThan(0);
    for (const r of run.kept) {
      const meta = r.meta['strategy:semi-instruct'] as SemiInstructMeta;
      const nothing = meta.mode === 'function' ? null : '';
      expect(meta.testCases.some((t) => JSON.stringify(t.output) !== JSON.stringify(nothing)), `${r.lineage.source}`).toBe(true);
      expect(meta.discrimination).toMatchObject({ nullRejected: true });
      // Outputs vary across the cases (one case says nothing about constancy; the null program and mutants still test it).
      if (meta.testCases.length > 1) expect(meta.discrimination!.distinctOutputs).toBeGreaterThan(1);
      expect(meta.discrimination!.mutantsKilled).toBeGreaterThan(0);
    }
  });
});
