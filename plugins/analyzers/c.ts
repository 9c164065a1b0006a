/** `analyzer:c`: C checked with clang-tidy (see clang.ts for what counts as an error). */
import { defineAnalyzer } from '../../core/index.js';
import { clangOptions, clangTidySpec } from './clang.js';

export const cOptions = clangOptions('c');

export default defineAnalyzer({
  name: 'analyzer:c',
  description: 'C checked with clang-tidy: compile errors and Clang Static Analyzer findings drop the sample.',
  language: 'c',
  options: cOptions,
  analyzer: (options) => clangTidySpec('c', options),
});
