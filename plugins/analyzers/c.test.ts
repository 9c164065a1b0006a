import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { createHarness, PluginTester } from '../../core/testing/index.js';
import { corpusSuite } from '../../test/fixtures/analyzers/corpus-suite.js';
import { corpusCase, samplesOf } from '../../test/fixtures/analyzers/harness.js';
import plugin from './c.js';

describe.skipIf(!findExecutable('clang-tidy'))('analyzer:c (clang-tidy)', () => {
  corpusSuite(plugin, 'c');

  it('maps lines back past the include wrapper and keeps missing headers visible as warnings', async () => {
    const harness = await createHarness([plugin]);
    const [wrapped, header] = await harness.analyze('c', samplesOf('c', [
      { code: 'int f(void) {\n  return undefined_total;\n}\n' },
      { code: '#include <surely/not_here.h>\nint g(void) { return 1; }\n' },
    ]));
    expect(wrapped!.diagnostics).toEqual([expect.objectContaining({ rule: 'clang-diagnostic-error', line: 2, severity: 'error' })]);
    expect(header!.passed).toBe(true);
    expect(header!.diagnostics).toEqual([expect.objectContaining({ rule: 'missing-header', severity: 'warning', line: 1 })]);
    const strict = await (await createHarness([[plugin, { missingHeaders: 'strict' }]])).analyze('c', samplesOf('c', [{ code: '#include <surely/not_here.h>\n' }]));
    expect(strict[0]!.passed).toBe(false);
  }, 60_000);
});

describe.skipIf(!findExecutable('clang-tidy'))('analyzer:c with PluginTester', () => {
  it('keeps records whose fenced code passes and drops planted errors at verified under the gate rule', () =>
    new PluginTester().run(plugin, {
      valid: [corpusCase('c', 'valid', 'linked_list.c'), corpusCase('c', 'valid', 'no_includes.c')],
      invalid: [
        { ...corpusCase('c', 'invalid', 'div_zero.c'), error: { stage: 'verified', category: 'c: clang-analyzer-core.DivideZero' } },
        { ...corpusCase('c', 'invalid', 'undeclared.c'), error: { stage: 'verified', category: 'c: clang-diagnostic-error' } },
      ],
    }), 180_000);
});
