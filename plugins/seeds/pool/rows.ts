import type { Row } from './formats.js';

/**
 * One row of a pool file: its 1-based position (`line`: the JSONL line, or the Parquet row index + 1)
 * and the parsed row, or why it could not be parsed: malformed (`malformed_json`, `invalid_utf8`,
 * with what is wrong) or skipped (`too_large`, a JSONL line over the byte limit).
 */
export type PoolRow =
  | { line: number; row: Row }
  | { line: number; malformed: 'malformed_json' | 'invalid_utf8'; message: string }
  | { line: number; skip: 'too_large' };
