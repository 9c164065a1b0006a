/**
 * Built-in analyzers, one per language (DESIGN.md, "Static verification"). Each taps
 * `hooks.analyze.for(language)` and checks batches of code blocks with the language's real tool.
 */
import javascript from './javascript.js';
import python from './python.js';
import typescript from './typescript.js';

export { default as javascript, javascriptOptions, eslintSpec, type JavascriptOptions } from './javascript.js';
export { default as python, pythonOptions, pylintSpec, type PythonOptions } from './python.js';

export { default as typescript, typescriptOptions, tscSpec, typescriptAnalyzer, type TypescriptOptions } from './typescript.js';

/** Every built-in analyzer plugin. */
export const analyzers = [python, javascript, typescript];
