import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { createHarness, PluginTester } from '../../core/testing/index.js';
import { corpusSuite } from '../../test/fixtures/analyzers/corpus-suite.js';
import { corpusCase, samplesOf } from '../../test/fixtures/analyzers/harness.js';
import plugin from './php.js';

describe.skipIf(!findExecutable('php'))('analyzer:php (php)', () => {
  corpusSuite(plugin, 'php');

  it('reports the line of the snippet and never runs it', async () => {
    const [r] = await (await createHarness([plugin])).analyze('php', samplesOf('php', [{ code: 'file_put_contents("/tmp/instructsmith-php-ran", "x");\n$a = [1, 2\n' }]));
    expect(r!.diagnostics).toEqual([expect.objectContaining({ rule: 'parse-error', line: 3 })]);
    const { existsSync } = await import('node:fs');
    expect(existsSync('/tmp/instructsmith-php-ran')).toBe(false);
  }, 30_000);
});

describe.skipIf(!findExecutable('php'))('analyzer:php with PluginTester', () => {
  it('keeps records whose fenced code passes and drops planted errors at verified under the gate rule', () =>
    new PluginTester().run(plugin, {
      valid: [corpusCase('php', 'valid', 'class.php'), corpusCase('php', 'valid', 'no_open_tag.php')],
      invalid: [
        { ...corpusCase('php', 'invalid', 'missing_semicolon.php'), error: { stage: 'verified', category: 'php: parse-error' } },
        { ...corpusCase('php', 'invalid', 'no_tag_error.php'), error: { stage: 'verified', category: 'php: parse-error' } },
      ],
    }), 180_000);
});
