/**
 * A long-lived tsc for analyzer:typescript: requests `{id, cwd, args}` with tsc's command-line
 * arguments; the reply is what `tsc ARGS` prints in `cwd` under `--pretty false` and its exit code,
 * computed as tsc's executeCommandLine does (typescript/lib/typescript.js, emitFilesAndReportErrors:
 * syntactic, then options and global, then semantic diagnostics; 1 when diagnostics with output
 * skipped, as under --noEmit). The lib `.d.ts` files (lib.es2023.d.ts, lib.dom.d.ts, ...) are
 * parsed once and their SourceFiles reused by every later program, which is most of tsc's
 * start-up on a batch of short files.
 */
import { dirname } from 'node:path';
import ts from 'typescript';
import { serveLines } from '../../../core/verify/serve-lines.js';

const libDir = dirname(ts.getDefaultLibFilePath({}));
const libFiles = new Map<string, ts.SourceFile>();

serveLines(async (request) => {
  const cwd = String(request.cwd);
  const parsed = ts.parseCommandLine(request.args as string[]);
  const formatHost: ts.FormatDiagnosticsHost = { getCurrentDirectory: () => cwd, getCanonicalFileName: (f) => f, getNewLine: () => ts.sys.newLine };
  if (parsed.errors.length) return { exitCode: 1, stdout: ts.formatDiagnostics(parsed.errors, formatHost) };
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!fileName.startsWith(libDir)) return getSourceFile(fileName, languageVersion, onError, shouldCreate);
    // Parse options that change a lib file's tree: the target and the module format.
    const opts = typeof languageVersion === 'object' ? languageVersion : { languageVersion };
    const key = `${fileName}\0${opts.languageVersion}\0${opts.impliedNodeFormat ?? ''}`;
    let file = libFiles.get(key);
    if (!file) {
      file = getSourceFile(fileName, languageVersion, onError, shouldCreate);
      if (file) libFiles.set(key, file);
    }
    return file;
  };
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host });
  const all: ts.Diagnostic[] = [...program.getSyntacticDiagnostics()];
  if (all.length === 0) {
    all.push(...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics());
    if (all.length === 0) all.push(...program.getSemanticDiagnostics());
  }
  const emit = program.emit();
  all.push(...emit.diagnostics);
  const diagnostics = ts.sortAndDeduplicateDiagnostics(all);
  const exitCode = diagnostics.length === 0 ? 0 : emit.emitSkipped ? 1 : 2;
  return { exitCode, stdout: ts.formatDiagnostics(diagnostics, formatHost) };
});
