import { open, type FileHandle } from 'node:fs/promises';
import { parquetMetadataAsync, parquetReadObjects, parquetSchema, toJson, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { InputError } from '../../../core/index.js';
import type { Row } from './formats.js';
import type { PoolRow } from './rows.js';

/** An AsyncBuffer over an open file: each `slice` is one positioned read of just those bytes. */
function fileBuffer(fh: FileHandle, byteLength: number): AsyncBuffer {
  return {
    byteLength,
    async slice(start: number, end = byteLength): Promise<ArrayBuffer> {
      const length = Math.max(0, end - start);
      const buf = new Uint8Array(new ArrayBuffer(length));
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, start + done);
        if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${start + done} (the file shrank while being read)`);
        done += bytesRead;
      }
      return buf.buffer;
    },
  };
}

/** A Parquet file opened for reading: its footer metadata and top-level column names. Close it when done. */
export interface ParquetPool {
  file: string;
  buffer: AsyncBuffer;
  metadata: FileMetaData;
  columns: string[];
  close(): Promise<void>;
}

/**
 * Open `file` and read its footer (the metadata: schema and row groups; the data pages are not read).
 * @throws InputError `SEEDS_UNREADABLE` when the file cannot be read or is not a Parquet file.
 */
export async function openParquet(file: string): Promise<ParquetPool> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw unreadable(file, `cannot read the file (${(err as Error).message})`, 'check that the file exists and is readable');
  }
  try {
    const { size } = await fh.stat();
    const buffer = fileBuffer(fh, size);
    const metadata = await parquetMetadataAsync(buffer);
    const columns = parquetSchema(metadata).children.map((c) => c.element.name);
    return { file, buffer, metadata, columns, close: () => fh.close() };
  } catch (err) {
    await fh.close();
    throw unreadable(file, `not a readable Parquet file (${(err as Error).message})`, 'check that the file is Parquet (written by pyarrow, pandas, polars, DuckDB, ...) and was downloaded whole');
  }
}

/**
 * Stream the rows of an open Parquet file, decoding one row group at a time (hyparquet, with
 * hyparquet-compressors for Snappy, gzip, Brotli, zstd, LZ4): memory holds the footer and one row
 * group's columns, never the whole file. Values are made plain JSON (`toJson`: INT64 as numbers,
 * dates as ISO strings, bytes as arrays of numbers) and null columns are left out of the row, so a
 * row reads like the JSONL line it would be. `line` is the row index + 1.
 *
 * @param columns read only these top-level columns (the others are not decoded); default all.
 * @throws InputError `SEEDS_UNREADABLE` naming the file and row group when a row group cannot be decoded.
 */
export async function* parquetRows(pool: ParquetPool, columns?: string[]): AsyncGenerator<PoolRow> {
  let rowStart = 0;
  for (const [g, group] of pool.metadata.row_groups.entries()) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: pool.buffer, metadata: pool.metadata, rowStart, rowEnd, columns, compressors });
    } catch (err) {
      throw new InputError(pool.file, rowStart + 1, `cannot decode row group ${g} (rows ${rowStart + 1}-${rowEnd}): ${(err as Error).message}`, {
        hint: 'the file may be truncated or use an unsupported encoding; re-download or rewrite it (e.g. with pyarrow)',
        code: 'SEEDS_UNREADABLE',
      });
    }
    for (const [i, raw] of rows.entries()) {
      const row: Row = {};
      for (const [k, v] of Object.entries(raw)) if (v !== null && v !== undefined) row[k] = toJson(v);
      yield { line: rowStart + i + 1, row };
    }
    rowStart = rowEnd;
  }
}

function unreadable(file: string, message: string, hint: string): InputError {
  return new InputError(file, undefined, message, { hint, code: 'SEEDS_UNREADABLE' });
}
