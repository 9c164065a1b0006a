import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { createHarness, PluginTester } from '../../core/testing/index.js';
import { corpusSuite } from '../../test/fixtures/analyzers/corpus-suite.js';
import { corpusCase, samplesOf } from '../../test/fixtures/analyzers/harness.js';
import plugin from './shell.js';

describe.skipIf(!findExecutable('shellcheck'))('analyzer:shell (shellcheck)', () => {
  corpusSuite(plugin, 'shell');

  it('counts only error-level findings by default; severity: warning counts warnings too', async () => {
    const code = 'cd /tmp/work\nrm -f -- *.tmp\n';
    const [quiet] = await (await createHarness([plugin])).analyze('shell', samplesOf('shell', [{ code }]));
    expect(quiet!.passed).toBe(true);
    const [loud] = await (await createHarness([[plugin, { severity: 'warning' }]])).analyze('shell', samplesOf('shell', [{ code }]));
    expect(loud!.diagnostics.map((d) => d.rule)).toContain('SC2164');
    expect(loud!.diagnostics.find((d) => d.rule === 'SC2164')!.line).toBe(1);
  }, 30_000);
});

describe.skipIf(!findExecutable('shellcheck'))('analyzer:shell with PluginTester', () => {
  it('keeps records whose fenced code passes and drops planted errors at verified under the gate rule', () =>
    new PluginTester().run(plugin, {
      valid: [corpusCase('shell', 'valid', 'backup.sh', 'bash'), corpusCase('shell', 'valid', 'posix.sh', 'sh')],
      invalid: [
        { ...corpusCase('shell', 'invalid', 'missing_fi.sh', 'bash'), error: { stage: 'verified', category: 'shell: SC1046' } },
        { ...corpusCase('shell', 'invalid', 'unclosed_quote.sh'), error: { stage: 'verified', category: 'shell: SC1073' } },
      ],
    }), 180_000);
});
