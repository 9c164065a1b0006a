import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { createHarness, PluginTester } from '../../core/testing/index.js';
import { corpusSuite } from '../../test/fixtures/analyzers/corpus-suite.js';
import { corpusCase, samplesOf } from '../../test/fixtures/analyzers/harness.js';
import plugin from './go.js';

describe.skipIf(!findExecutable('go'))('analyzer:go (go)', () => {
  corpusSuite(plugin, 'go');

  it('type-checks only samples whose imports are all standard, and says so', async () => {
    const [r] = await (await createHarness([plugin])).analyze('go', samplesOf('go', [{ code: 'package x\n\nimport "github.com/pkg/errors"\n\nvar E = errors.New(undefinedName)\n' }]));
    expect(r!.passed).toBe(true);
    expect(r!.diagnostics).toEqual([expect.objectContaining({ rule: 'vet-skipped', severity: 'info' })]);
  }, 60_000);
});

describe.skipIf(!findExecutable('go'))('analyzer:go with PluginTester', () => {
  it('keeps records whose fenced code passes and drops planted errors at verified under the gate rule', () =>
    new PluginTester().run(plugin, {
      valid: [corpusCase('go', 'valid', 'main.go'), corpusCase('go', 'valid', 'no_package.go', 'golang')],
      invalid: [
        { ...corpusCase('go', 'invalid', 'undefined.go'), error: { stage: 'verified', category: 'go: typecheck' } },
        { ...corpusCase('go', 'invalid', 'syntax_error.go'), error: { stage: 'verified', category: 'go: syntax' } },
        { ...corpusCase('go', 'invalid', 'printf_mismatch.go'), error: { stage: 'verified', category: 'go: vet' } },
      ],
    }), 180_000);
});
