/** Sandboxed execution: the executor contract, the bubblewrap sandbox, and output comparison. */
export * from './types.js';
export * from './limits.js';
export * from './bwrap.js';
export * from './classify.js';
export * from './sandbox.js';
export * from './execute.js';
export * from './compare.js';
