import { basename } from 'node:path';
import {
  InputError,
  contentId,
  definePlugin,
  isKnownLanguage,
  languageFromFence,
  z,
  type Seed,
  type SeedQuery,
} from '../../core/index.js';
import { readLines, type TextLine } from './lines.js';
import { SkipTally } from './skips.js';

/** File names this source reads (lower case). `.gz` files are gunzipped while streaming. */
export const JSONL_SUFFIXES = ['.jsonl', '.jsonl.gz', '.ndjson', '.ndjson.gz'] as const;

/** True when `path` names a JSON Lines file this source reads (by suffix, case-insensitive). */
export function isJsonlPath(path: string): boolean {
  const p = path.toLowerCase();
  return JSONL_SUFFIXES.some((s) => p.endsWith(s));
}

const fieldName = z.string().min(1, 'a field name cannot be empty');

const knownLanguage = z
  .string()
  .refine(isKnownLanguage, { message: 'unknown language id; use one of the ids in core/languages.ts (python, javascript, typescript, java, c, cpp, csharp, go, rust, php, ruby, sql, shell, ...)' });

/**
 * Options of `seed:jsonl`. Defaults are our choice.
 *
 * - `fields.code`: the field holding the code, or several fields concatenated in order with no
 *   separator (HumanEval: `['prompt', 'canonical_solution']` gives the complete function). Default `code`.
 * - `fields.id`: optional field naming the record (HumanEval `task_id`); kept in `seed.meta` under its own
 *   name. A line without it is treated like a malformed line.
 * - `fields.language`: optional field holding each record's language (`python`, `py`, `C++`, ...; read
 *   like a Markdown fence tag). When absent, the constant `language` is used.
 * - `meta`: further fields copied into `seed.meta` when present (absent ones are left out).
 * - `language`: the language of every record when no `fields.language` is given. Default `python`.
 * - `onMalformed`: `error` (default) stops at the first bad line with its file and line number, found by a
 *   pre-scan before any seed is yielded (one extra read of the file, see {@link preScanJsonl});
 *   `skip` records it in the funnel (`malformed_json`, `invalid_utf8`, `missing_field`, `bad_field`) and goes on.
 * - `maxLineBytes`: a longer line (UTF-8 bytes as stored, after gunzip) is skipped as `too_large` and
 *   counted, never parsed nor held whole in memory. The code of a record is never longer than its line,
 *   so this also caps the code sent in a prompt. Default 1 MiB, the same as seed:directory
 *   `maxFileBytes` (our choice: one policy for both sources).
 */
export const jsonlOptions = z
  .object({
    fields: z
      .object({
        code: z.union([fieldName, z.array(fieldName).min(1, 'list at least one code field')]).default('code'),
        id: fieldName.optional(),
        language: fieldName.optional(),
      })
      .strict()
      .default({ code: 'code' }),
    meta: z.array(fieldName).default([]),
    language: knownLanguage.default('python'),
    onMalformed: z.enum(['error', 'skip']).default('error'),
    maxLineBytes: z.number().int().positive().default(1024 * 1024),
  })
  .strict();

export type JsonlOptions = z.output<typeof jsonlOptions>;

/**
 * `seed:jsonl`: one seed per line of a JSON Lines file (`.jsonl`, `.ndjson`, optionally gzipped),
 * e.g. HumanEval or Magicoder-OSS-Instruct. Streams line by line in constant memory (at most one line of
 * `maxLineBytes`), apart from the set of seed ids seen (16 hex chars per seed) used to skip duplicates.
 *
 * Each seed: `kind: 'record'`, `source: {path: file name, line}`, `meta` = the id field and the listed meta
 * fields, `id` = `contentId({language, code})`.
 *
 * Skip reasons (stable): `malformed_json`, `invalid_utf8`, `missing_field`, `bad_field` (only with
 * `onMalformed: skip`), `too_large` (line longer than `maxLineBytes`), `empty_code` (code is only whitespace), `unknown_language` (the language field
 * names no language we know), `duplicate` (same language and code as an earlier line).
 * Blank lines are not records and are passed over without a skip entry.
 *
 * @throws InputError (lazily, while iterating) for a malformed line under `onMalformed: error` or an
 * unreadable or corrupt gzip file (under `onMalformed: error` both on the first `next()`, before any
 * seed), or a file that yields no seed at all.
 */
export const jsonlSeeds = definePlugin({
  name: 'seed:jsonl',
  description: 'Reads seeds from a JSON Lines dataset (.jsonl, .jsonl.gz, .ndjson), one seed per line.',
  options: jsonlOptions,
  apply(ctx, options) {
    ctx.hooks.seedSource.tapPromise(async (query) => {
      if (query.isDirectory || !isJsonlPath(query.path)) return undefined;
      return readJsonlSeeds(query, options);
    });
  },
});

/**
 * The generator behind `seed:jsonl`; exported for reuse by other sources. See {@link jsonlSeeds}.
 *
 * Under `onMalformed: error` the file is first pre-scanned (see {@link preScanJsonl}), so a bad line
 * fails the run before the first seed is yielded, not after the lines before it were already sent to a
 * model. Lines longer than `maxLineBytes` are skipped as `too_large` in both modes.
 */
export async function* readJsonlSeeds(query: SeedQuery, options: JsonlOptions): AsyncGenerator<Seed> {
  const file = query.path;
  const gzip = file.toLowerCase().endsWith('.gz');
  const tally = new SkipTally(query);
  const codeFields = typeof options.fields.code === 'string' ? [options.fields.code] : options.fields.code;
  const seen = new Set<string>();
  let yielded = 0;
  let lines = 0;

  if (options.onMalformed === 'error') await preScanJsonl(file, options);

  for await (const l of readLines(file, gzip, options.maxLineBytes)) {
    lines = l.line;
    const checked = checkLine(l, options);
    if (checked === undefined) continue;
    if ('skip' in checked) {
      tally.skip(`${file}:${l.line}`, checked.skip);
      continue;
    }
    if ('malformed' in checked) {
      if (options.onMalformed === 'skip') {
        tally.skip(`${file}:${l.line}`, checked.malformed);
        continue;
      }
      // Only when the file changed after the pre-scan; same error as the pre-scan's.
      throw malformedError(file, l.line, checked.message);
    }
    const { rec, code, language } = checked;

    const id = contentId({ language, code });
    if (seen.has(id)) {
      tally.skip(`${file}:${l.line}`, 'duplicate');
      continue;
    }
    seen.add(id);

    const meta: Record<string, unknown> = {};
    if (options.fields.id) meta[options.fields.id] = rec[options.fields.id];
    for (const f of options.meta) if (rec[f] !== undefined) meta[f] = rec[f];

    yielded += 1;
    yield { id, language, code, source: { path: basename(file), line: l.line }, kind: 'record', meta };
  }

  if (yielded === 0) {
    throw new InputError(file, undefined, `no seeds found in ${lines} line(s); skipped: ${tally.describe()}`, {
      hint: `check that seed:jsonl fields.code (${codeFields.join(' + ')}) names the field holding the code`,
      code: 'SEEDS_EMPTY',
    });
  }
}

/**
 * Read the whole file once and throw at its first malformed line (the same check as the main pass:
 * JSON object, required fields present, code and language fields strings, valid UTF-8), so no model
 * call is spent on the lines before it. Records nothing in the funnel: the main pass does that.
 *
 * Cost: one extra sequential read (and gunzip) of the file plus one JSON.parse per line; memory stays
 * bounded by one chunk plus one line of at most `maxLineBytes` (lines are never collected). For a
 * multi-GB file this is the time of reading it once more; set `onMalformed: skip` to avoid it.
 *
 * @throws InputError `SEEDS_MALFORMED` naming the file, the 1-based line, what was expected, and the
 *   fix (including `onMalformed: skip`); InputError `SEEDS_UNREADABLE` for an unreadable or corrupt gzip file.
 */
export async function preScanJsonl(file: string, options: JsonlOptions): Promise<void> {
  for await (const l of readLines(file, file.toLowerCase().endsWith('.gz'), options.maxLineBytes)) {
    const checked = checkLine(l, options);
    if (checked !== undefined && 'malformed' in checked) throw malformedError(file, l.line, checked.message);
  }
}

/** What one line is: nothing (blank), a skip, a malformed line with its message, or a usable record. */
type Checked =
  | undefined
  | { skip: string }
  | { malformed: string; message: string }
  | { rec: Record<string, unknown>; code: string; language: string };

// Pure and cheap (one JSON.parse): shared by the pre-scan and the main pass so both agree on what is malformed.
function checkLine(l: TextLine, options: JsonlOptions): Checked {
  if ('tooLarge' in l) return { skip: 'too_large' };
  if ('invalidUtf8' in l) return { malformed: 'invalid_utf8', message: 'not valid UTF-8 text' };
  if (l.text.trim() === '') return undefined;

  let row: unknown;
  try {
    row = JSON.parse(l.text);
  } catch (err) {
    return { malformed: 'malformed_json', message: `not valid JSON: ${(err as Error).message}` };
  }
  if (row === null || typeof row !== 'object' || Array.isArray(row)) {
    return { malformed: 'malformed_json', message: `not valid JSON: expected an object per line, got ${describeType(row)}` };
  }
  const rec = row as Record<string, unknown>;

  const codeFields = typeof options.fields.code === 'string' ? [options.fields.code] : options.fields.code;
  const langField = options.fields.language ? [options.fields.language] : [];
  const missing = [...codeFields, ...(options.fields.id ? [options.fields.id] : []), ...langField].find((f) => rec[f] === undefined || rec[f] === null);
  if (missing !== undefined) {
    return { malformed: 'missing_field', message: `missing field "${missing}"; the line has ${listFields(rec)}` };
  }
  const nonString = [...codeFields, ...langField].find((f) => typeof rec[f] !== 'string');
  if (nonString !== undefined) {
    return { malformed: 'bad_field', message: `field "${nonString}" is ${describeType(rec[nonString])}, expected a string` };
  }

  const code = codeFields.map((f) => rec[f] as string).join('');
  if (code.trim() === '') return { skip: 'empty_code' };

  let language = options.language;
  if (options.fields.language) {
    const named = languageFromFence(rec[options.fields.language] as string);
    if (!named) return { skip: 'unknown_language' };
    language = named;
  }
  return { rec, code, language };
}

function malformedError(file: string, line: number, message: string): InputError {
  return new InputError(file, line, message, {
    hint: 'fix the line, or set seed:jsonl onMalformed: skip to record bad lines in the funnel and go on',
    code: 'SEEDS_MALFORMED',
  });
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

function listFields(rec: Record<string, unknown>): string {
  const keys = Object.keys(rec);
  if (keys.length === 0) return 'no fields';
  const shown = keys.slice(0, 20).join(', ');
  return `fields: ${shown}${keys.length > 20 ? `, ... (${keys.length} in all)` : ''}`;
}
