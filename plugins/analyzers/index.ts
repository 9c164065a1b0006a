/**
 * Built-in analyzers, one per language (DESIGN.md, "Static verification"). Each taps
 * `hooks.analyze.for(language)` and checks batches of code blocks with the language's real tool.
 */
import python from './python.js';

export { default as python, pythonOptions, pylintSpec, type PythonOptions } from './python.js';

/** Every built-in analyzer plugin. */
export const analyzers = [python];
