/**
 * `analyzer:shell`: shell scripts checked with ShellCheck. Only findings of level `error` count by
 * default (ShellCheck's own severity: parse errors and certain failures such as `SC2068`-class
 * mistakes are warnings, not errors), following the paper's "error-level findings only".
 */
import { defineAnalyzer, ToolCrash, z, type BatchToolSpec, type ToolDiagnostic } from '../../core/index.js';
import { runFields, toolRunShape } from './common.js';

const LEVELS = ['error', 'warning', 'info', 'style'] as const;

export const shellOptions = z
  .object({
    ...toolRunShape,
    command: toolRunShape.command.default('shellcheck'),
    /** Lowest ShellCheck level that counts as an error (`--severity`). */
    severity: z.enum(LEVELS).default('error'),
    /** Dialect for scripts without a shebang (`--shell`); a shebang wins. */
    shell: z.enum(['bash', 'sh', 'dash', 'ksh']).default('bash'),
    /** ShellCheck codes never counted, e.g. `SC1091` or `1091`. */
    exclude: z.array(z.string().regex(/^(SC)?\d{4}$/, 'a ShellCheck code such as SC2086')).default([]),
  })
  .strict();

export type ShellOptions = z.output<typeof shellOptions>;

interface ShellcheckComment {
  file: string;
  line: number;
  column: number;
  level: string;
  code: number;
  message: string;
}

/** The BatchToolSpec for ShellCheck. */
export function shellcheckSpec(o: ShellOptions): BatchToolSpec {
  return {
    plugin: 'analyzer:shell',
    tool: 'shellcheck',
    language: 'shell',
    install: 'apt-get install shellcheck',
    ...runFields(o),
    fileName: (_s, i) => `s${i}.sh`,
    // No `--shell`: it would override a script's own shebang. A script without one gets a shell
    // directive on a line of its own before it (lineOffset 1).
    prepare: (s) => ({ content: /^#!/.test(s.code) ? s.code : `# shellcheck shell=${o.shell}\n${s.code}`, lineOffset: /^#!/.test(s.code) ? 0 : 1 }),
    args: (files) => [
      '--format=json1', `--severity=${o.severity}`, '--norc',
      ...(o.exclude.length ? [`--exclude=${o.exclude.map((c) => c.replace(/^SC/, '')).join(',')}`] : []),
      ...files.map((f) => f.path),
    ],
    // 0: clean, 1: findings; 2: a file could not be read, 3: bad options, 4: bad output format.
    parse(result) {
      let comments: ShellcheckComment[];
      try {
        comments = (JSON.parse(result.stdout) as { comments: ShellcheckComment[] }).comments;
      } catch {
        throw new ToolCrash(`output is not JSON: ${(result.stderr || result.stdout).slice(-300)}`);
      }
      return comments.map(
        (c): ToolDiagnostic => ({ file: c.file, line: c.line, column: c.column, tool: 'shellcheck', rule: `SC${c.code}`, severity: 'error', message: c.message }),
      );
    },
  };
}

export default defineAnalyzer({
  name: 'analyzer:shell',
  description: 'Checks shell scripts with ShellCheck; error-level findings drop the sample.',
  language: 'shell',
  options: shellOptions,
  analyzer: (options) => shellcheckSpec(options),
});
