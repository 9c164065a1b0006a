/** Static verification: code extraction, batched tool runs for analyzers, and the gate. */
export * from './extract.js';
export * from './batch.js';
export * from './gate.js';
