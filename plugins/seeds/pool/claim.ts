import { detectFormat } from './formats.js';
import { isParquetPath, isPoolDirectory, isPoolPath } from './files.js';
import { firstJsonlObject } from './jsonl.js';
import type { PoolOptions } from './options.js';

/** Lines read at most to find a JSON Lines file's first object row. Our choice: past a few bad lines, a file is not a pool we recognise. */
export const SNIFF_LINES = 100;

/**
 * Whether seed:pool reads `path`, the rule that lets it run beside the other seed sources (it taps
 * `seedSource` before seed:jsonl and seed:directory, after seed:samples): the more specific source wins.
 *
 * - A `.parquet` file: always (no other source reads Parquet).
 * - A JSON Lines file: when its first JSON object row (within {@link SNIFF_LINES} lines) holds a
 *   conversation in the configured format and fields ({@link detectFormat}) and is not an instructsmith
 *   sample (`messages` plus a `lineage` object: seed:samples reads those). A code dataset such as
 *   HumanEval, or a file with no object row near its start, is left to seed:jsonl.
 * - A directory: when its pool files are more bytes than its source files ({@link isPoolDirectory});
 *   a code tree is left to seed:directory, and a directory with no pool file is never claimed.
 *
 * Never throws: a path it cannot read is left to the other sources, which report it.
 */
export async function claims(path: string, isDirectory: boolean, options: PoolOptions): Promise<boolean> {
  try {
    if (isDirectory) return await isPoolDirectory(path);
    if (!isPoolPath(path)) return false;
    if (isParquetPath(path)) return true;
    const row = await firstJsonlObject(path, options.maxRowBytes, SNIFF_LINES);
    if (!row) return false;
    if (Array.isArray(row.messages) && row.lineage !== null && typeof row.lineage === 'object') return false;
    return detectFormat(row, options) !== undefined;
  } catch {
    return false;
  }
}
