/**
 * Built-in seed sources: where the real code a run starts from comes from.
 * - `seed:jsonl` reads JSON Lines datasets (HumanEval, Magicoder-OSS-Instruct, ...), one seed per line.
 * - `seed:directory` reads source files on disk: whole functions and classes, and 5-20 line windows.
 */
export { jsonlSeeds, jsonlOptions, readJsonlSeeds, isJsonlPath, JSONL_SUFFIXES, type JsonlOptions } from './jsonl.js';
export { directorySeeds, directoryOptions, readDirectorySeeds, DEFAULT_EXCLUDES, type DirectoryOptions } from './directory.js';
