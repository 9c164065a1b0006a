import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { corpusSuite } from '../../test/fixtures/analyzers/corpus-suite.js';
import { analyze, applyAnalyzer } from '../../test/fixtures/analyzers/harness.js';
import plugin from './shell.js';

describe.skipIf(!findExecutable('shellcheck'))('analyzer:shell (shellcheck)', () => {
  corpusSuite(plugin, 'shell');

  it('counts only error-level findings by default; severity: warning counts warnings too', async () => {
    const code = 'cd /tmp/work\nrm -f -- *.tmp\n';
    const [quiet] = await analyze(await applyAnalyzer(plugin), 'shell', [{ code }]);
    expect(quiet!.passed).toBe(true);
    const [loud] = await analyze(await applyAnalyzer(plugin, { severity: 'warning' }), 'shell', [{ code }]);
    expect(loud!.diagnostics.map((d) => d.rule)).toContain('SC2164');
    expect(loud!.diagnostics.find((d) => d.rule === 'SC2164')!.line).toBe(1);
  }, 30_000);
});
