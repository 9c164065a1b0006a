import { readLines } from '../lines.js';
import type { Row } from './formats.js';
import type { PoolRow } from './rows.js';

/**
 * Stream the rows of a JSON Lines pool file (`.gz`: gunzipped while streaming), one line at a time,
 * in constant memory: one chunk plus one line of at most `maxLineBytes` (seed:jsonl's line reader,
 * which decodes each line with a fatal UTF-8 decoder so a bad byte is reported at its line). Blank
 * lines are not rows and are passed over.
 *
 * @throws InputError `SEEDS_UNREADABLE` when the file cannot be read or is not valid gzip.
 */
export async function* jsonlRows(file: string, maxLineBytes: number): AsyncGenerator<PoolRow> {
  for await (const l of readLines(file, file.toLowerCase().endsWith('.gz'), maxLineBytes)) {
    if ('tooLarge' in l) yield { line: l.line, skip: 'too_large' };
    else if ('invalidUtf8' in l) yield { line: l.line, malformed: 'invalid_utf8', message: 'not valid UTF-8 text' };
    else if (l.text.trim() !== '') yield parseRow(l.line, l.text);
  }
}

/** Parse one JSONL line as a row: a JSON object, else `malformed_json` saying what it is. */
export function parseRow(line: number, text: string): PoolRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { line, malformed: 'malformed_json', message: `not valid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { line, malformed: 'malformed_json', message: `not valid JSON: expected an object per line, got ${got}` };
  }
  return { line, row: value as Row };
}

/**
 * The first row of a JSONL file that is a JSON object, among its first `maxLines` lines (blank lines
 * not counted), or undefined when there is none. Reads no further.
 */
export async function firstJsonlObject(file: string, maxLineBytes: number, maxLines: number): Promise<Row | undefined> {
  let seen = 0;
  for await (const r of jsonlRows(file, maxLineBytes)) {
    if ('row' in r) return r.row;
    if (++seen >= maxLines) break;
  }
  return undefined;
}
