import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { createHarness, PluginTester } from '../../core/testing/index.js';
import { corpusSuite } from '../../test/fixtures/analyzers/corpus-suite.js';
import { corpusCase, samplesOf } from '../../test/fixtures/analyzers/harness.js';
import sql, { sqlfluffDialect } from './sql.js';

describe.skipIf(!findExecutable('sqlfluff'))('analyzer:sql (sqlfluff)', () => {
  corpusSuite(sql, 'sql');

  it('checks each sample in its own dialect; an unknown dialect falls back with a warning', async () => {
    const code = "SELECT payload->>'name' FROM events;\n";
    const harness = await createHarness([sql]);
    const [ansi, pg, unknown] = await harness.analyze('sql', samplesOf('sql', [{ code }, { code, dialect: 'postgresql' }, { code: 'SELECT 1;\n', dialect: 'cobolsql' }]));
    expect(ansi!.passed).toBe(false);
    expect(pg!.passed).toBe(true);
    expect(unknown!.passed).toBe(true);
    expect(unknown!.diagnostics).toEqual([expect.objectContaining({ rule: 'unknown-dialect', severity: 'warning' })]);
  }, 60_000);

  it('enable makes a style rule count', async () => {
    const [r] = await (await createHarness([[sql, { enable: ['L010'] }]])).analyze('sql', samplesOf('sql', [{ code: 'select id FROM users;\n' }]));
    expect(r!.diagnostics.map((d) => d.rule)).toContain('L010');
  }, 60_000);

  it('maps dialect names', () => {
    expect(sqlfluffDialect('PostgreSQL')).toBe('postgres');
    expect(sqlfluffDialect('mysql')).toBe('mysql');
    expect(sqlfluffDialect('nope')).toBeUndefined();
  });
});

describe.skipIf(!findExecutable('sqlfluff'))('analyzer:sql with PluginTester', () => {
  it('keeps records whose fenced code passes and drops planted errors at verified under the gate rule', () =>
    new PluginTester().run(sql, {
      valid: [corpusCase('sql', 'valid', 'join_group.sql'), corpusCase('sql', 'valid', 'postgres_specific.sql', 'postgres')],
      invalid: [
        { ...corpusCase('sql', 'invalid', 'keyword_typo.sql'), error: { stage: 'verified', category: 'sql: PRS' } },
        { ...corpusCase('sql', 'invalid', 'unbalanced_paren.sql'), error: { stage: 'verified', category: 'sql: PRS' } },
      ],
    }), 180_000);
});
