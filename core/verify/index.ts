/** Static verification: code extraction, batched tool runs for analyzers, the gate, and dataset verification. */
export * from './extract.js';
export * from './batch.js';
export * from './gate.js';
export * from './dataset.js';
export * from './verify-dataset.js';
