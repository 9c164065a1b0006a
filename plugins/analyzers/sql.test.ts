import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { corpusSuite } from '../../test/fixtures/analyzers/corpus-suite.js';
import { analyze, applyAnalyzer } from '../../test/fixtures/analyzers/harness.js';
import sql, { sqlfluffDialect } from './sql.js';

describe.skipIf(!findExecutable('sqlfluff'))('analyzer:sql (sqlfluff)', () => {
  corpusSuite(sql, 'sql');

  it('checks each sample in its own dialect; an unknown dialect falls back with a warning', async () => {
    const code = "SELECT payload->>'name' FROM events;\n";
    const hooks = await applyAnalyzer(sql);
    const [ansi, pg, unknown] = await analyze(hooks, 'sql', [{ code }, { code, dialect: 'postgresql' }, { code: 'SELECT 1;\n', dialect: 'cobolsql' }]);
    expect(ansi!.passed).toBe(false);
    expect(pg!.passed).toBe(true);
    expect(unknown!.passed).toBe(true);
    expect(unknown!.diagnostics).toEqual([expect.objectContaining({ rule: 'unknown-dialect', severity: 'warning' })]);
  }, 60_000);

  it('enable makes a style rule count', async () => {
    const [r] = await analyze(await applyAnalyzer(sql, { enable: ['L010'] }), 'sql', [{ code: 'select id FROM users;\n' }]);
    expect(r!.diagnostics.map((d) => d.rule)).toContain('L010');
  }, 60_000);

  it('maps dialect names', () => {
    expect(sqlfluffDialect('PostgreSQL')).toBe('postgres');
    expect(sqlfluffDialect('mysql')).toBe('mysql');
    expect(sqlfluffDialect('nope')).toBeUndefined();
  });
});
