/**
 * Built-in seed sources: where the real code a run starts from comes from.
 * - `seeds:jsonl` reads JSON Lines datasets (HumanEval, Magicoder-OSS-Instruct, ...), one seed per line.
 */
export { jsonlSeeds, jsonlOptions, readJsonlSeeds, isJsonlPath, JSONL_SUFFIXES, type JsonlOptions } from './jsonl.js';
