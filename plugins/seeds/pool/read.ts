import { basename } from 'node:path';
import { InputError, contentId, type Label, type Logger, type Seed, type SeedQuery } from '../../../core/index.js';
import { SkipTally } from '../skips.js';
import { formatFields, toConversation, type PoolFormat } from './formats.js';
import { isParquetPath, poolFiles, type PoolEntry } from './files.js';
import { jsonlRows } from './jsonl.js';
import { conversationLanguage } from './language.js';
import type { PoolOptions } from './options.js';
import { openParquet, parquetRows } from './parquet.js';
import type { PoolRow } from './rows.js';

/** A pool file to read: `rel` as seeds name it (the file's name for a single file), `abs` to open. */
type PoolFile = { rel: string; abs: string };

/**
 * The generator behind `seed:pool` (see its docstring in index.ts): the seeds of a pool file, or of
 * every pool file of a directory in sorted path order, then row order, so the same pool always gives
 * the same seeds in the same order (a resumed run skips by position).
 *
 * Memory: one JSONL line or one Parquet row group at a time; no per-seed state (no set of ids), so a
 * pool of any number of rows reads in bounded memory. Duplicate conversations are not removed here
 * (that would need the ids of every seed in memory): that is `selector:dedup`'s work.
 *
 * Under `onMalformed: error` every file is pre-scanned first (see {@link preScanPool}), so a bad row
 * fails the run before any seed reaches a model. Under `skip` a bad row is counted in the funnel, and a
 * file that cannot be read or decoded is counted as `unreadable` (from the row where it failed).
 *
 * @throws InputError `SEEDS_MALFORMED` (file:line), `SEEDS_UNREADABLE`, or `SEEDS_EMPTY` when no row gives a seed.
 */
export async function* readPoolSeeds(query: SeedQuery, options: PoolOptions, log: Logger): AsyncGenerator<Seed> {
  const tally = new SkipTally(query);
  if (options.onMalformed === 'error') await preScanPool(query, options);

  let files = 0;
  let rows = 0;
  let yielded = 0;
  for await (const entry of entries(query)) {
    if ('skipped' in entry) {
      tally.skip(entry.rel, entry.skipped);
      continue;
    }
    files += 1;
    const reported = new Set<PoolFormat>();
    let line = 0;
    try {
      for await (const r of fileRows(entry.abs, options.maxRowBytes)) {
        line = r.line;
        rows += 1;
        const where = `${entry.rel}:${r.line}`;
        if ('skip' in r) {
          tally.skip(where, r.skip);
          continue;
        }
        if ('malformed' in r) {
          if (options.onMalformed === 'skip') tally.skip(where, r.malformed);
          // Only when the file changed after the pre-scan; the same error as the pre-scan's.
          else throw malformedError(entry.abs, r.line, r.message);
          continue;
        }
        const c = toConversation(r.row, options);
        if ('skip' in c) {
          tally.skip(where, c.skip);
          continue;
        }
        if ('malformed' in c) {
          if (options.onMalformed === 'skip') tally.skip(where, c.malformed);
          else throw malformedError(entry.abs, r.line, c.message);
          continue;
        }
        if (!reported.has(c.format)) {
          reported.add(c.format);
          const how = options.format === 'auto' ? 'detected' : 'configured';
          log.info(`${entry.rel}: ${c.format} format (${how}, field${c.used.length > 1 ? 's' : ''} ${c.used.join(', ')}) from line ${r.line}`);
        }
        const used = new Set(c.used);
        const meta: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(r.row)) if (!used.has(k)) meta[k] = v;
        meta.format = c.format;
        // Infinity Instruct's released rows carry their ability tags as `label`: they become the seed's label, so selectors need not tag them again.
        const label = labelOf(meta.label);
        if (label) delete meta.label;
        yielded += 1;
        yield {
          id: contentId(c.messages),
          language: conversationLanguage(c.messages, options.language),
          code: c.messages.find((m) => m.role === 'user')!.content,
          source: { path: entry.rel, line: r.line },
          kind: 'record',
          meta,
          messages: c.messages,
          ...(label ? { label } : {}),
        };
      }
    } catch (err) {
      if (options.onMalformed === 'error' || !(err instanceof InputError) || err.code !== 'SEEDS_UNREADABLE') throw err;
      log.warn(`${entry.rel}: skipped from line ${line + 1}: ${err.message}`);
      tally.skip(`${entry.rel}:${line + 1}`, 'unreadable');
    }
  }

  if (yielded === 0) {
    throw new InputError(query.path, undefined, `no seeds found in ${rows} row(s) of ${files} file(s); skipped: ${tally.describe()}`, {
      hint: 'check the pool rows hold conversations (OpenAI messages, ShareGPT conversations, Alpaca instruction/output), or set seed:pool format and fields to the column names',
      code: 'SEEDS_EMPTY',
    });
  }
}

/**
 * Read every file of the pool once and throw at the first malformed row (the same checks as the main
 * pass), so no model call is spent on the rows before it. Records nothing in the funnel. Cost: one
 * extra sequential read of the pool (Parquet: only the conversation columns are decoded); memory as
 * the main pass. Set `onMalformed: skip` to avoid it.
 *
 * @throws InputError `SEEDS_MALFORMED` naming the file, the 1-based line (Parquet: row), what was
 *   expected and the fix; `SEEDS_UNREADABLE` for a file that cannot be read or decoded.
 */
export async function preScanPool(query: SeedQuery, options: PoolOptions): Promise<void> {
  const f = options.fields;
  const conversationColumns = [f.messages, f.conversations, f.instruction, f.input, f.output, f.system];
  for await (const entry of entries(query)) {
    if ('skipped' in entry) continue;
    let columns: string[] | undefined;
    let fileColumns = '';
    if (isParquetPath(entry.abs)) {
      const pool = await openParquet(entry.abs);
      await pool.close();
      columns = conversationColumns.filter((c) => pool.columns.includes(c));
      fileColumns = `; the file has columns: ${pool.columns.join(', ')}`;
      if (columns.length === 0) throw malformedError(entry.abs, undefined, `no conversation columns (${conversationColumns.join(', ')})${fileColumns}`);
    }
    for await (const r of fileRows(entry.abs, options.maxRowBytes, columns)) {
      if ('malformed' in r) throw malformedError(entry.abs, r.line, r.message);
      if ('skip' in r) continue;
      const c = toConversation(r.row, options);
      if ('malformed' in c) throw malformedError(entry.abs, r.line, c.malformed === 'no_conversation' ? c.message + fileColumns : c.message);
    }
  }
}

// The files of a query, as a fresh iterable each time (the pre-scan and the main pass each walk once).
function entries(query: SeedQuery): AsyncIterable<PoolEntry> {
  return query.isDirectory ? poolFiles(query.path) : single(query.path);
}

async function* single(path: string): AsyncGenerator<PoolFile> {
  yield { rel: basename(path), abs: path };
}

// Rows of one file; a Parquet file is closed when the caller stops iterating (also early or on error).
async function* fileRows(abs: string, maxRowBytes: number, columns?: string[]): AsyncGenerator<PoolRow> {
  if (!isParquetPath(abs)) {
    yield* jsonlRows(abs, maxRowBytes);
    return;
  }
  const pool = await openParquet(abs);
  try {
    yield* parquetRows(pool, columns);
  } finally {
    await pool.close();
  }
}

function malformedError(file: string, line: number | undefined, message: string): InputError {
  return new InputError(file, line, message, {
    hint: 'fix the row, set seed:pool format/fields to the pool\'s column names, or set seed:pool onMalformed: skip to record bad rows in the funnel and go on',
    code: 'SEEDS_MALFORMED',
  });
}

/** A row's `label` field as a Label when it is one (an object of string lists, e.g. `{ ability_en: [...], cate_ability_en: [...] }`). */
function labelOf(value: unknown): Label | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0 || !entries.every(([, v]) => Array.isArray(v) && v.every((t) => typeof t === 'string'))) return undefined;
  return Object.fromEntries(entries) as Label;
}
