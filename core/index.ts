/**
 * instructsmith's public API. Built-in plugins import only from here (or the files re-exported here),
 * exactly as a third-party plugin would.
 */
export { z } from 'zod';

// --- records
export * from './record.js';
export * from './errors.js';
export * from './languages.js';

// --- plugins and hooks
export * from './plugin.js';
export * from './hooks.js';

// --- LLM access
export * from './llm/types.js';

// --- verification
export * from './verify/index.js';
