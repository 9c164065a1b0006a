/** `analyzer:c`: C checked with clang-tidy (see clang.ts for what counts as an error). */
import { definePlugin } from '../../core/index.js';
import { clangOptions, clangTidySpec } from './clang.js';
import { batchedAnalyzer, tapAnalyzer } from './common.js';

export const cOptions = clangOptions('c');

export default definePlugin({
  name: 'analyzer:c',
  description: 'C checked with clang-tidy: compile errors and Clang Static Analyzer findings drop the sample.',
  options: cOptions,
  apply(api, options) {
    tapAnalyzer(api, 'analyzer:c', 'c', batchedAnalyzer(clangTidySpec('c', options)));
  },
});
