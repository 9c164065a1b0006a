import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { corpusSuite } from '../../test/fixtures/analyzers/corpus-suite.js';
import { analyze, applyAnalyzer } from '../../test/fixtures/analyzers/harness.js';
import plugin from './php.js';

describe.skipIf(!findExecutable('php'))('analyzer:php (php)', () => {
  corpusSuite(plugin, 'php');

  it('reports the line of the snippet and never runs it', async () => {
    const [r] = await analyze(await applyAnalyzer(plugin), 'php', [{ code: 'file_put_contents("/tmp/instructsmith-php-ran", "x");\n$a = [1, 2\n' }]);
    expect(r!.diagnostics).toEqual([expect.objectContaining({ rule: 'parse-error', line: 3 })]);
    const { existsSync } = await import('node:fs');
    expect(existsSync('/tmp/instructsmith-php-ran')).toBe(false);
  }, 30_000);
});
