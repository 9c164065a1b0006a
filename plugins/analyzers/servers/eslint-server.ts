/**
 * A long-lived ESLint for analyzer:javascript: requests `{id, cwd, config, files}` with the flat
 * config analyzer:javascript builds (eslintConfig) and the batch's file paths; the reply is what
 * `eslint --config <config> --format json --no-warn-ignored --no-ignore -- FILES` prints in `cwd`
 * and its exit code (0 clean, 1 errors, 2 internal error). ESLint and its rules load once.
 */
import { ESLint, type Linter } from 'eslint';
import { serveLines } from '../../../core/verify/serve-lines.js';

serveLines(async (request) => {
  const eslint = new ESLint({
    cwd: String(request.cwd),
    overrideConfigFile: true,
    overrideConfig: request.config as Linter.Config[],
    ignore: false,
    warnIgnored: false,
  });
  const results = await eslint.lintFiles(request.files as string[]);
  const formatter = await eslint.loadFormatter('json');
  const stdout = await formatter.format(results);
  return { exitCode: results.some((r) => r.errorCount > 0) ? 1 : 0, stdout: `${stdout}\n` };
});
