import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { corpusSuite } from '../../test/fixtures/analyzers/corpus-suite.js';
import { analyze, applyAnalyzer } from '../../test/fixtures/analyzers/harness.js';
import plugin from './go.js';

describe.skipIf(!findExecutable('go'))('analyzer:go (go)', () => {
  corpusSuite(plugin, 'go');

  it('type-checks only samples whose imports are all standard, and says so', async () => {
    const [r] = await analyze(await applyAnalyzer(plugin), 'go', [{ code: 'package x\n\nimport "github.com/pkg/errors"\n\nvar E = errors.New(undefinedName)\n' }]);
    expect(r!.passed).toBe(true);
    expect(r!.diagnostics).toEqual([expect.objectContaining({ rule: 'vet-skipped', severity: 'info' })]);
  }, 60_000);
});
