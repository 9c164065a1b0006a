import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { createHarness, PluginTester } from '../../core/testing/index.js';
import { corpusSuite } from '../../test/fixtures/analyzers/corpus-suite.js';
import { corpusCase, samplesOf } from '../../test/fixtures/analyzers/harness.js';
import plugin from './cpp.js';

describe.skipIf(!findExecutable('clang-tidy'))('analyzer:cpp (clang-tidy)', () => {
  corpusSuite(plugin, 'cpp');

  it('maps lines back past the include wrapper and keeps missing headers visible as warnings', async () => {
    const harness = await createHarness([plugin]);
    const [wrapped, header] = await harness.analyze('cpp', samplesOf('cpp', [
      { code: 'int f(void) {\n  return undefined_total;\n}\n' },
      { code: '#include <surely/not_here.h>\nint g(void) { return 1; }\n' },
    ]));
    expect(wrapped!.diagnostics).toEqual([expect.objectContaining({ rule: 'clang-diagnostic-error', line: 2, severity: 'error' })]);
    expect(header!.passed).toBe(true);
    expect(header!.diagnostics).toEqual([expect.objectContaining({ rule: 'missing-header', severity: 'warning', line: 1 })]);
    const strict = await (await createHarness([[plugin, { missingHeaders: 'strict' }]])).analyze('cpp', samplesOf('cpp', [{ code: '#include <surely/not_here.h>\n' }]));
    expect(strict[0]!.passed).toBe(false);
  }, 60_000);
});

describe.skipIf(!findExecutable('clang-tidy'))('analyzer:cpp with PluginTester', () => {
  it('keeps records whose fenced code passes and drops planted errors at verified under the gate rule', () =>
    new PluginTester().run(plugin, {
      valid: [corpusCase('cpp', 'valid', 'classes.cpp'), corpusCase('cpp', 'valid', 'templates.cpp', 'c++')],
      invalid: [
        { ...corpusCase('cpp', 'invalid', 'double_delete.cpp'), error: { stage: 'verified', category: 'cpp: clang-analyzer-cplusplus.NewDelete' } },
        { ...corpusCase('cpp', 'invalid', 'undeclared.cpp'), error: { stage: 'verified', category: 'cpp: clang-diagnostic-error' } },
      ],
    }), 180_000);
});
