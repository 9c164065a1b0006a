/**
 * instructsmith's public API. Built-in plugins import only from here (or the files re-exported here),
 * exactly as a third-party plugin would.
 */
export { z } from 'zod';

// --- records
export * from './record.js';
export * from './errors.js';
export * from './random.js';
export * from './languages.js';
export * from './curriculum.js';

// --- plugins and hooks
export * from './plugin.js';
export * from './hooks.js';

// --- LLM access
export * from './llm/types.js';
export * from './llm/public.js';

// --- export
export * from './export/index.js';

// --- verification
export * from './verify/index.js';

// --- execution
export * from './exec/index.js';
