/**
 * Built-in analyzers, one per language (DESIGN.md, "Static verification"). Each taps
 * `hooks.analyze.for(language)` and checks batches of code blocks with the language's real tool.
 */
import c from './c.js';
import cpp from './cpp.js';
import go from './go.js';
import java from './java.js';
import javascript from './javascript.js';
import php from './php.js';
import python from './python.js';
import rust from './rust.js';
import shell from './shell.js';
import sql from './sql.js';
import typescript from './typescript.js';

export { default as javascript, javascriptOptions, eslintSpec, type JavascriptOptions } from './javascript.js';
export { default as python, pythonOptions, pylintSpec, type PythonOptions } from './python.js';
export { default as typescript, typescriptOptions, tscSpec, typescriptAnalyzer, type TypescriptOptions } from './typescript.js';
export { default as c, cOptions } from './c.js';
export { default as cpp, cppOptions } from './cpp.js';
export { clangTidySpec, clangOptions, DEFAULT_TIDY_CHECKS, type ClangOptions } from './clang.js';
export { default as java, javaOptions, javacSpec, checkstyleSpec, javaAnalyzer, prepareJava, DEFAULT_CHECKSTYLE_CHECKS, type JavaOptions } from './java.js';
export { default as sql, sqlOptions, sqlfluffSpec, sqlAnalyzer, sqlfluffDialect, type SqlOptions } from './sql.js';
export { default as shell, shellOptions, shellcheckSpec, type ShellOptions } from './shell.js';
export { default as php, phpOptions, phpSpec, type PhpOptions } from './php.js';
export { default as go, goOptions, goAnalyzer, goImports, prepareGo, type GoOptions } from './go.js';
export { default as rust, rustOptions, rustcSpec, externalCrates, type RustOptions } from './rust.js';
export { toolRunShape, withRerun, type AnalyzeFn } from './common.js';

/** Every built-in analyzer plugin. */
export const analyzers = [python, javascript, typescript, java, c, cpp, sql, shell, go, rust, php];
