/** `analyzer:cpp`: C++ checked with clang-tidy (see clang.ts for what counts as an error). */
import { defineAnalyzer } from '../../core/index.js';
import { clangOptions, clangTidySpec } from './clang.js';

export const cppOptions = clangOptions('cpp');

export default defineAnalyzer({
  name: 'analyzer:cpp',
  description: 'C++ checked with clang-tidy: compile errors and Clang Static Analyzer findings drop the sample.',
  language: 'cpp',
  options: cppOptions,
  analyzer: (options) => clangTidySpec('cpp', options),
});
