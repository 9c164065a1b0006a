import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { corpusSuite } from '../../test/fixtures/analyzers/corpus-suite.js';
import { analyze, applyAnalyzer } from '../../test/fixtures/analyzers/harness.js';
import plugin from './c.js';

describe.skipIf(!findExecutable('clang-tidy'))('analyzer:c (clang-tidy)', () => {
  corpusSuite(plugin, 'c');

  it('maps lines back past the include wrapper and keeps missing headers visible as warnings', async () => {
    const hooks = await applyAnalyzer(plugin);
    const [wrapped, header] = await analyze(hooks, 'c', [
      { code: 'int f(void) {\n  return undefined_total;\n}\n' },
      { code: '#include <surely/not_here.h>\nint g(void) { return 1; }\n' },
    ]);
    expect(wrapped!.diagnostics).toEqual([expect.objectContaining({ rule: 'clang-diagnostic-error', line: 2, severity: 'error' })]);
    expect(header!.passed).toBe(true);
    expect(header!.diagnostics).toEqual([expect.objectContaining({ rule: 'missing-header', severity: 'warning', line: 1 })]);
    const strict = await analyze(await applyAnalyzer(plugin, { missingHeaders: 'strict' }), 'c', [{ code: '#include <surely/not_here.h>\n' }]);
    expect(strict[0]!.passed).toBe(false);
  }, 60_000);
});
