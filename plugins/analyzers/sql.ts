/**
 * `analyzer:sql`: SQL checked with SQLFluff (the paper's tool for SQL, Infinite-Instruct arXiv
 * 2505.23177). By default only what SQLFluff cannot lex, template or parse in the sample's dialect
 * counts as an error; layout and style rules do not (our choice: they reject valid queries).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineAnalyzer, runBatched, ToolCrash, z, type BatchToolSpec, type CheckResult, type CodeSample, type StageContext, type ToolDiagnostic } from '../../core/index.js';
import { runFields, toolRunShape, type AnalyzeFn } from './common.js';

/** SQLFluff's codes for text it could not lex, template or parse. */
const PARSE_CODES = ['PRS', 'LXR', 'TMP'];

/** Dialect names a fence or `dialect=` attribute may use → SQLFluff's dialect names. */
const DIALECT_ALIASES: Record<string, string> = { postgresql: 'postgres', pg: 'postgres', plsql: 'oracle', mssql: 'tsql', sqlserver: 'tsql', spark: 'sparksql', mariadb: 'mysql' };

/** SQLFluff 1.x dialects (`sqlfluff dialects`). */
const DIALECTS = ['ansi', 'athena', 'bigquery', 'clickhouse', 'databricks', 'db2', 'exasol', 'hive', 'materialize', 'mysql', 'oracle', 'postgres', 'redshift', 'snowflake', 'soql', 'sparksql', 'sqlite', 'teradata', 'tsql'];

export const sqlOptions = z
  .object({
    ...toolRunShape,
    command: toolRunShape.command.default('sqlfluff'),
    /** Dialect of samples that do not name one. */
    dialect: z.enum(DIALECTS as [string, ...string[]]).default('ansi'),
    /** SQLFluff rule codes (`L003`) whose findings also count as errors. */
    enable: z.array(z.string().regex(/^[A-Z]{1,3}\d{2,3}$/, 'a SQLFluff rule code such as L010')).default([]),
  })
  .strict();

export type SqlOptions = z.output<typeof sqlOptions>;

/** SQLFluff's dialect for a sample's dialect label, or undefined when SQLFluff has none by that name. */
export function sqlfluffDialect(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const d = DIALECT_ALIASES[label.toLowerCase()] ?? label.toLowerCase();
  return DIALECTS.includes(d) ? d : undefined;
}

interface SqlfluffFile {
  filepath: string;
  violations: Array<{ line_no?: number; line_pos?: number; code: string; description: string }>;
}

/** The BatchToolSpec for one dialect. */
export function sqlfluffSpec(o: SqlOptions, dialect: string): BatchToolSpec {
  const counted = new Set([...PARSE_CODES, ...o.enable]);
  return {
    plugin: 'analyzer:sql',
    tool: 'sqlfluff',
    language: 'sql',
    install: 'apt-get install sqlfluff (or: pip install sqlfluff)',
    ...runFields(o),
    fileName: (_s, i) => `s${i}.sql`,
    async setup(dir) {
      // The raw templater: `{{ }}` and `:name` in a sample are SQL text, not a template to render.
      await writeFile(join(dir, '.sqlfluff'), '[sqlfluff]\ntemplater = raw\n');
    },
    args: (files) => [
      'lint', '--dialect', dialect, '--format', 'json', '--nocolor', '--disable-progress-bar',
      // SQLFluff cannot run zero rules; parse errors are reported whatever rules run, so run the cheapest when none is enabled.
      '--rules', o.enable.length ? o.enable.join(',') : 'L001',
      ...files.map((f) => f.path),
    ],
    // 0: clean, 1: violations; 2 and up: usage or internal errors.
    parse(result) {
      let files: SqlfluffFile[];
      try {
        const start = result.stdout.indexOf('[');
        files = JSON.parse(result.stdout.slice(start)) as SqlfluffFile[];
      } catch {
        throw new ToolCrash(`output is not JSON: ${(result.stderr || result.stdout).slice(-300)}`);
      }
      const out: ToolDiagnostic[] = [];
      for (const f of files) {
        for (const v of f.violations) {
          if (!counted.has(v.code)) continue;
          out.push({
            file: f.filepath,
            tool: 'sqlfluff',
            rule: v.code,
            severity: 'error',
            message: v.description.replace(/^Line \d+, Position \d+: /, ''),
            ...(v.line_no ? { line: v.line_no } : {}),
            ...(v.line_pos ? { column: v.line_pos } : {}),
          });
        }
      }
      return out;
    },
  };
}

/**
 * One SQLFluff process per dialect present in the batch. A sample naming a dialect SQLFluff does
 * not know is checked in the default dialect, with a warning diagnostic saying so.
 */
export function sqlAnalyzer(o: SqlOptions): AnalyzeFn {
  return async (samples: CodeSample[], stage: StageContext): Promise<CheckResult[]> => {
    const groups = new Map<string, number[]>();
    samples.forEach((s, i) => {
      const d = sqlfluffDialect(s.dialect) ?? o.dialect;
      groups.set(d, [...(groups.get(d) ?? []), i]);
    });
    const results: CheckResult[] = new Array(samples.length);
    for (const [dialect, idx] of groups) {
      const checked = await runBatched(idx.map((i) => samples[i]!), sqlfluffSpec(o, dialect), { signal: stage.signal });
      idx.forEach((i, k) => {
        const s = samples[i]!;
        const r = checked[k]!;
        results[i] = s.dialect && !sqlfluffDialect(s.dialect)
          ? { ...r, diagnostics: [{ tool: 'sqlfluff', rule: 'unknown-dialect', severity: 'warning', message: `dialect "${s.dialect}" is not one SQLFluff knows; checked as ${dialect}` }, ...r.diagnostics] }
          : r;
      });
    }
    return results;
  };
}

export default defineAnalyzer({
  name: 'analyzer:sql',
  description: 'Checks SQL with SQLFluff in the sample\'s dialect; what it cannot parse drops the sample (Infinite-Instruct).',
  language: 'sql',
  options: sqlOptions,
  analyzer: (options) => sqlAnalyzer(options),
});
