/** `analyzer:cpp`: C++ checked with clang-tidy (see clang.ts for what counts as an error). */
import { definePlugin } from '../../core/index.js';
import { clangOptions, clangTidySpec } from './clang.js';
import { batchedAnalyzer, tapAnalyzer } from './common.js';

export const cppOptions = clangOptions('cpp');

export default definePlugin({
  name: 'analyzer:cpp',
  description: 'C++ checked with clang-tidy: compile errors and Clang Static Analyzer findings drop the sample.',
  options: cppOptions,
  apply(api, options) {
    tapAnalyzer(api, 'analyzer:cpp', 'cpp', batchedAnalyzer(clangTidySpec('cpp', options)));
  },
});
