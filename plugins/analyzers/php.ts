/**
 * `analyzer:php`: PHP checked for syntax errors by the PHP interpreter's own parser. `php -l`
 * lints one file per process in PHP 8.2, so a batch runs one `php` process that parses each file
 * with `token_get_all(..., TOKEN_PARSE)`, which raises the same ParseError `php -l` reports
 * (compile-time checks beyond parsing, such as a redeclared function, are not run).
 */
import { defineAnalyzer, ToolCrash, z, type BatchToolSpec, type ToolDiagnostic } from '../../core/index.js';
import { runFields, toolRunShape } from './common.js';

// Reads file names from argv, prints one JSON line per file that does not parse. Never executes the samples.
const LINTER = `foreach (array_slice($argv, 1) as $f) {
  try { token_get_all(file_get_contents($f), TOKEN_PARSE); }
  catch (ParseError $e) { echo json_encode(['file' => $f, 'line' => $e->getLine(), 'message' => $e->getMessage()]), "\\n"; }
}
echo "done\\n";`;

export const phpOptions = z
  .object({
    ...toolRunShape,
    command: toolRunShape.command.default('php'),
  })
  .strict();

export type PhpOptions = z.output<typeof phpOptions>;

/** The BatchToolSpec for the PHP parser. A snippet with no `<?php` anywhere gets it on its first line (lines do not move). */
export function phpSpec(o: PhpOptions): BatchToolSpec {
  return {
    plugin: 'analyzer:php',
    tool: 'php',
    language: 'php',
    install: 'apt-get install php-cli',
    ...runFields(o),
    fileName: (_s, i) => `s${i}.php`,
    // A file with any `<?php`/`<?=` is taken as written (it may start with HTML); bare code gets the tag.
    prepare: (s) => ({ content: /<\?(php\b|=)/.test(s.code) ? s.code : `<?php ${s.code}`, lineOffset: 0 }),
    args: (files) => ['-d', 'display_errors=stderr', '-r', LINTER, '--', ...files.map((f) => f.path)],
    okExit: (c) => c === 0,
    parse(result) {
      const lines = result.stdout.trim().split('\n');
      if (lines.at(-1) !== 'done') throw new ToolCrash(`the linter did not finish: ${(result.stderr || result.stdout).slice(-300)}`);
      return lines.slice(0, -1).map((l): ToolDiagnostic => {
        const e = JSON.parse(l) as { file: string; line: number; message: string };
        return { file: e.file, line: e.line, tool: 'php', rule: 'parse-error', severity: 'error', message: e.message };
      });
    },
  };
}

export default defineAnalyzer({
  name: 'analyzer:php',
  description: 'Checks PHP with the interpreter\'s parser (what `php -l` reports); syntax errors drop the sample.',
  language: 'php',
  options: phpOptions,
  analyzer: (options) => phpSpec(options),
});
